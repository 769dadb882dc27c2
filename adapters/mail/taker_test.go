package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/bot"
)

// core records what the Taker handed it.
type core struct {
	letters []bot.Letter
	bounced []string
	staff   []string
}

func (c *core) Receive(_ context.Context, l bot.Letter) (bot.Receipt, error) {
	c.letters = append(c.letters, l)
	return bot.Receipt{Case: 1, Outcome: bot.LetterCase}, nil
}
func (c *core) Bounced(_ context.Context, to bot.UserID, letter string) error {
	c.bounced = append(c.bounced, string(to)+" "+letter)
	return nil
}
func (c *core) TellStaff(_ context.Context, key string, _ bot.Text) error {
	c.staff = append(c.staff, key)
	return nil
}

// A mail's files go to the core whole, without the images of its
// signature; a mail whose sender the receiving server did not vouch for
// is held for staff, and never reaches a case.
func TestTheTakerHandsFilesAndHoldsTheUnvouched(t *testing.T) {
	c := &core{}
	tk := &mail.Taker{Core: c, Platform: "shell", Read: mail.ReadOptions{AuthServID: "mx.helpdesk.test"}}
	raw := strings.ReplaceAll(`Authentication-Results: mx.helpdesk.test; dmarc=pass header.from=museum.test
From: Lena <lena@museum.test>
To: helpdesk@helpdesk.test
Subject: Plates
Message-ID: <f1@museum.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: text/plain; charset=utf-8

Here is the list.
--b1
Content-Type: application/pdf; name=list.pdf
Content-Disposition: attachment; filename=list.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDw+PgplbmRvYmoK
--b1
Content-Type: image/png; name=logo.png
Content-Disposition: inline; filename=logo.png
Content-ID: <logo@museum.test>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1--
`, "\n", "\r\n")
	if err := tk.Handle(context.Background(), []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if len(c.letters) != 1 {
		t.Fatalf("%d letters", len(c.letters))
	}
	files := c.letters[0].Files
	if len(files) != 1 || files[0].Name != "list.pdf" || files[0].MediaType != "application/pdf" || !strings.HasPrefix(string(files[0].Data), "%PDF-1.4") {
		t.Fatalf("files %+v", files)
	}

	forged := strings.Replace(raw, "dmarc=pass", "dmarc=fail", 1)
	forged = strings.Replace(forged, "<f1@museum.test>", "<f2@museum.test>", 1)
	if err := tk.Handle(context.Background(), []byte(forged)); err != nil {
		t.Fatal(err)
	}
	if len(c.letters) != 1 || len(c.staff) != 1 || !strings.HasPrefix(c.staff[0], "mail.untrusted/") {
		t.Fatalf("a forged sender: %d letters, staff told %v", len(c.letters), c.staff)
	}
	if err := tk.Handle(context.Background(), []byte("not a mail at all")); !mail.IsPermanent(err) && err != nil {
		t.Fatalf("garbage: %v", err)
	}
}
