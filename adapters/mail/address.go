package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"golang.org/x/net/idna"

	"github.com/wmse/helpdesk/bot"
)

// This file is shared by the two sides of the mail platform (reading mail
// and sending it): how a person who writes by mail is known to the core.

// Platform is the name of the mail platform: people who write by mail are
// "mail:" and their address (bot.Letter.From).
const Platform = "mail"

// ErrBadAddress means a text is not one plain mail address.
var ErrBadAddress = errors.New("not a mail address")

// ParseAddress reads one mailbox ("lena@museum.se", or with a display name,
// "Lena <lena@museum.se>") and returns its address in lower case: the form
// the core keeps (bot.Letter.From). It refuses anything that is not exactly
// one address: a list, a group, an address without a domain, and any
// control character (a line break would let a text write headers of its
// own).
func ParseAddress(s string) (string, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", fmt.Errorf("%q: %w", s, ErrBadAddress)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%q: %w", s, ErrBadAddress)
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(a.Address, " ,;<>\"\\") {
		// Quoted local parts with spaces or commas are valid RFC 5322, but
		// no requester has one and they are a favourite of header tricks.
		return "", fmt.Errorf("%q: %w", s, ErrBadAddress)
	}
	return strings.ToLower(a.Address), nil
}

// UserID is the core's id of the person with address addr ("mail:" and the
// address in lower case). addr must be a parsed address (ParseAddress).
func UserID(addr string) bot.UserID {
	return bot.UserID(Platform + ":" + strings.ToLower(addr))
}

// AddressOf is the address of a person of the mail platform, checked as
// ParseAddress checks it; ErrBadAddress for anyone else.
func AddressOf(u bot.UserID) (string, error) {
	if u.Platform() != Platform {
		return "", fmt.Errorf("%s is not a person of the mail platform: %w", u, ErrBadAddress)
	}
	addr, err := ParseAddress(u.Local())
	if err != nil {
		return "", err
	}
	if addr != u.Local() && addr != strings.ToLower(u.Local()) {
		// "mail:Lena <lena@museum.se>" parses, but it is not an id.
		return "", fmt.Errorf("%s: %w", u, ErrBadAddress)
	}
	return addr, nil
}

// Reading mail compares addresses and domains as they come in headers: an
// addr-spec maybe in angle brackets, a domain in either case, an
// internationalised domain in Unicode or in punycode.

// normalAddress returns addr (an addr-spec, maybe in angle brackets and
// surrounding space) lower-cased as the core keeps it, an
// internationalised domain as written; "" if it is none.
func normalAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	addr = strings.TrimPrefix(addr, "<")
	addr = strings.TrimSuffix(addr, ">")
	addr = strings.TrimSpace(addr)
	if addr == "" || strings.ContainsAny(addr, " \t\r\n<>") {
		return ""
	}
	return strings.ToLower(addr)
}

// addressDomain returns the domain of an address (what follows its last
// "@"), lower-cased; "" when it has none.
func addressDomain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(addr[i+1:]), ">"))
}

// addressLocal returns the local part of an address (what precedes its
// last "@"), lower-cased.
func addressLocal(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return strings.ToLower(addr)
	}
	return strings.ToLower(addr[:i])
}

// sameDomain reports whether two domains are the same, whatever their case
// and whether an internationalised one is written in Unicode or punycode.
func sameDomain(a, b string) bool {
	a, b = asciiDomain(a), asciiDomain(b)
	return a != "" && a == b
}

// asciiDomain is the ASCII (punycode) form of a domain, lower-cased and
// without a final dot; the domain as given when it is not a valid one.
func asciiDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
	if a, err := idna.Lookup.ToASCII(d); err == nil {
		return a
	}
	return d
}
