package mail_test

import (
	"errors"
	"testing"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/bot"
)

func TestAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"lena@museum.se":                  "lena@museum.se",
		"Lena Berg <Lena.Berg@Museum.SE>": "lena.berg@museum.se",
		"=?utf-8?q?J=C3=B6rg?= <j@x.de>":  "j@x.de",
	} {
		if got, err := mail.ParseAddress(in); err != nil || got != want {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lena", "a@b, c@d", "a@b\r\nBcc: c@d", `"a b"@example.org`, "Undisclosed:;", "<>"} {
		if got, err := mail.ParseAddress(in); !errors.Is(err, mail.ErrBadAddress) {
			t.Errorf("ParseAddress(%q) = %q, %v; want ErrBadAddress", in, got, err)
		}
	}
	if id := mail.UserID("Lena@Museum.se"); id != "mail:lena@museum.se" {
		t.Errorf("UserID: %q", id)
	}
	if a, err := mail.AddressOf("mail:lena@museum.se"); err != nil || a != "lena@museum.se" {
		t.Errorf("AddressOf: %q %v", a, err)
	}
	for _, u := range []bot.UserID{"shell:lena", "mail:Lena <lena@museum.se>", "mail:"} {
		if _, err := mail.AddressOf(u); !errors.Is(err, mail.ErrBadAddress) {
			t.Errorf("AddressOf(%q): %v", u, err)
		}
	}
}
