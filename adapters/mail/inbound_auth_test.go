package mail

import (
	"strings"
	"testing"
)

// Only the topmost Authentication-Results of the helpdesk's own server
// counts, and it must say dmarc=pass for the From's domain.
func TestTrust(t *testing.T) {
	const mail = "From: Anna Berg <anna@museum.example>\nTo: helpdesk@wikimedia.se\nSubject: Photos\n\nHello\n"
	for _, c := range []struct {
		name    string
		results string // the fields above the mail, topmost first
		trust   Trust
		dmarc   string
	}{
		{"pass", "Authentication-Results: mx.wikimedia.se; dkim=pass header.d=museum.example; dmarc=pass (p=reject dis=none) header.from=museum.example\n", TrustPass, "pass"},
		{"pass, authserv-id in another case, a version", "Authentication-Results: MX.Wikimedia.SE 1; dmarc=pass header.from=museum.example\n", TrustPass, "pass"},
		{"pass without header.from", "Authentication-Results: mx.wikimedia.se; dmarc=pass\n", TrustPass, "pass"},
		{"a comment with a semicolon", "Authentication-Results: mx.wikimedia.se; spf=pass (sender SPF authorized; see RFC 7208) smtp.mailfrom=museum.example; dmarc=pass (p=none; sp=none) header.from=museum.example\n", TrustPass, "pass"},
		{"fail: a forged From", "Authentication-Results: mx.wikimedia.se; dkim=none; spf=softfail smtp.mailfrom=spammer.example; dmarc=fail (p=none dis=none) header.from=museum.example\n", TrustFail, "fail"},
		{"none: the domain has no DMARC policy", "Authentication-Results: mx.wikimedia.se; dmarc=none header.from=museum.example\n", TrustFail, "none"},
		{"temperror", "Authentication-Results: mx.wikimedia.se; dmarc=temperror header.from=museum.example\n", TrustFail, "temperror"},
		{"no dmarc result", "Authentication-Results: mx.wikimedia.se; dkim=pass header.d=museum.example; spf=pass smtp.mailfrom=museum.example\n", TrustFail, ""},
		{"pass for another domain", "Authentication-Results: mx.wikimedia.se; dmarc=pass header.from=other.example\n", TrustFail, "pass"},
		{"our pass below a forged one of ours? the topmost of ours counts",
			"Authentication-Results: mx.wikimedia.se; dmarc=fail header.from=museum.example\nAuthentication-Results: mx.wikimedia.se; dmarc=pass header.from=museum.example\n", TrustFail, "fail"},
		{"another server's pass above ours is ignored",
			"Authentication-Results: filter.internal.example; dmarc=pass header.from=museum.example\nAuthentication-Results: mx.wikimedia.se; dmarc=fail header.from=museum.example\n", TrustFail, "fail"},
		{"only another server's (forged) pass", "Authentication-Results: mx.google.com; dmarc=pass header.from=museum.example\n", TrustMissing, ""},
		{"none at all", "", TrustMissing, ""},
		{"an authserv-id that merely begins like ours", "Authentication-Results: mx.wikimedia.se.evil.example; dmarc=pass header.from=museum.example\n", TrustMissing, ""},
	} {
		opt := ReadOptions{AuthServID: "mx.wikimedia.se"}
		in := read(t, []byte(c.results+mail), opt)
		if in.Auth.Trust != c.trust || in.Auth.DMARC != c.dmarc || in.Auth.Trusted() != (c.trust == TrustPass) {
			t.Errorf("%s: %+v, want %s with dmarc %q", c.name, in.Auth, c.trust, c.dmarc)
		}
		if c.trust != TrustPass && in.Auth.Reason == "" {
			t.Errorf("%s: no reason", c.name)
		}
	}

	// Two From addresses (the verifier checks one, the reader sees the
	// other): never trusted.
	in := read(t, []byte("Authentication-Results: mx.wikimedia.se; dmarc=pass header.from=museum.example\nFrom: anna@museum.example\nFrom: ceo@bank.example\n\nHi\n"), ReadOptions{AuthServID: "mx.wikimedia.se"})
	if in.Auth.Trust != TrustFail || !strings.Contains(in.Auth.Reason, "several From") {
		t.Errorf("two From fields: %+v", in.Auth)
	}

	// No authserv-id configured: nothing checked.
	in = read(t, []byte("Authentication-Results: mx.wikimedia.se; dmarc=pass header.from=museum.example\n"+mail), ReadOptions{})
	check(t, "unchecked", string(in.Auth.Trust), string(TrustUnchecked))

	// An internationalised domain, in Unicode in From and punycode in
	// the result.
	in = read(t, []byte("Authentication-Results: mx.wikimedia.se; dmarc=pass header.from=xn--bcher-kva.example\nFrom: anna@bücher.example\n\nHi\n"), ReadOptions{AuthServID: "mx.wikimedia.se"})
	check(t, "IDN", string(in.Auth.Trust), string(TrustPass))
}

func TestStripComments(t *testing.T) {
	for in, want := range map[string]string{
		"a (b; c) d":          "a  d",
		"a (b (nested) c) d":  "a  d",
		`a "(not) a comment"`: `a "(not) a comment"`,
		`a (esc\) still) b`:   "a  b",
		"a (unclosed":         "a ",
	} {
		check(t, in, stripComments(in), want)
	}
}
