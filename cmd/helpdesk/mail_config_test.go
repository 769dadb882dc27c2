package main

import (
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
)

// [mail]'s problems are each said with the key to fix, and never with a
// password.
func TestMailConfigProblems(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		env        map[string]string
		want       []string
	}{
		{"no address", "[mail]\n[mail.lmtp]\nlisten = \"127.0.0.1:2424\"\n[mail.smtp]\naddr = \"127.0.0.1:25\"\n", nil, []string{"mail.address"}},
		{"no way in", "[mail]\naddress = \"helpdesk@example.org\"\n[mail.smtp]\naddr = \"127.0.0.1:25\"\n", nil, []string{"[mail.imap] or [mail.lmtp]"}},
		{"no submission server", "[mail]\naddress = \"helpdesk@example.org\"\n[mail.lmtp]\nlisten = \"127.0.0.1:2424\"\n", nil, []string{"mail.smtp.addr"}},
		{"bad tls", "[mail]\naddress = \"helpdesk@example.org\"\n[mail.imap]\naddr = \"imap.example.org:993\"\nuser = \"u\"\ntls = \"yes\"\n[mail.smtp]\naddr = \"x:25\"\n", nil, []string{"mail.imap.tls"}},
		{"unknown language", "[mail]\naddress = \"helpdesk@example.org\"\nlanguages = { \"x@example.org\" = \"xx\" }\n[mail.lmtp]\nlisten = \"127.0.0.1:2424\"\n[mail.smtp]\naddr = \"x:25\"\n", nil, []string{"mail.languages"}},
		{"two passwords", "[mail]\naddress = \"helpdesk@example.org\"\n[mail.lmtp]\nlisten = \"127.0.0.1:2424\"\n[mail.smtp]\naddr = \"x:25\"\n",
			map[string]string{smtpPasswordEnv: "hunter two", smtpPasswordFileEnv: "/nonexistent"}, []string{smtpPasswordEnv, smtpPasswordFileEnv}},
		{"a platform not running", "[mail]\naddress = \"helpdesk@example.org\"\nplatform = \"discord\"\n[mail.lmtp]\nlisten = \"127.0.0.1:2424\"\n[mail.smtp]\naddr = \"x:25\"\n", nil, []string{"mail.platform"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(MustWriteConfig(t, tc.toml), mustCatalog(t))
			if err != nil {
				t.Fatal(err)
			}
			env := func(k string) string { return tc.env[k] }
			svc := bot.New(nil, wallClock{}, mustCatalog(t), c.Bot)
			_, err = setupMail(platformSetup{File: c.File, Env: env, Service: svc, Catalog: mustCatalog(t)}, []string{"shell"})
			if err == nil {
				t.Fatal("no problem found")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not name %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter two") {
				t.Errorf("the password is in the error: %q", err)
			}
		})
	}
}
