package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

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
