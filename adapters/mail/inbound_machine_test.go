package mail

import (
	"strings"
	"testing"
)

// Each rule of machine mail, on a person's mail with one header more, and
// the person's mail without it.
func TestMachineRules(t *testing.T) {
	const person = "From: Anna Berg <anna@example.org>\nTo: helpdesk@wikimedia.se\nSubject: Photos\nMessage-ID: <p1@example.org>\n"
	const body = "\nWe have 300 photos of the harbour.\n"
	for _, c := range []struct{ name, header, rule string }{
		{"a person", "", ""},
		{"Auto-Submitted: no", "Auto-Submitted: no\n", ""},
		{"Auto-Submitted: No (with a comment)", "Auto-Submitted: No (a person)\n", ""},
		{"out-of-office", "Auto-Submitted: auto-replied\n", RuleAutoSubmitted},
		{"notification", "Auto-Submitted: auto-generated\n", RuleAutoSubmitted},
		{"with parameters", "Auto-Submitted: auto-replied; owner-email=\"anna@example.org\"\n", RuleAutoSubmitted},
		{"Precedence: bulk", "Precedence: bulk\n", RulePrecedence},
		{"Precedence: Junk", "Precedence: Junk\n", RulePrecedence},
		{"Precedence: list", "Precedence: list\n", RulePrecedence},
		{"Precedence: first-class", "Precedence: first-class\n", ""},
		{"X-Auto-Response-Suppress", "X-Auto-Response-Suppress: All\n", RuleAutoResponseSuppress},
		{"X-Auto-Response-Suppress: OOF", "X-Auto-Response-Suppress: DR, OOF, AutoReply\n", RuleAutoResponseSuppress},
		{"List-Id", "List-Id: GLAM list <glam.lists.example.org>\n", RuleListID},
		{"null Return-Path", "Return-Path: <>\n", RuleNullReturnPath},
		{"null Return-Path, spaced", "Return-Path: < >\n", RuleNullReturnPath},
		{"a Return-Path", "Return-Path: <anna@example.org>\n", ""},
		{"Sender postmaster", "Sender: Postmaster@example.org\n", RuleDaemon},
		{"X-Loop with our address", "X-Loop: Helpdesk@wikimedia.se\n", RuleLoop},
		{"X-Loop of another", "X-Loop: tickets@example.org\n", ""},
		{"X-Autoreply", "X-Autoreply: yes\n", RuleAutoReply},
		{"X-Autorespond", "X-Autorespond: Out of office\n", RuleAutoReply},
	} {
		in := read(t, []byte(c.header+person+body), helpdeskOptions())
		check(t, c.name, in.Machine, c.rule)
	}

	for _, c := range []struct{ name, mail, rule string }{
		{"MAILER-DAEMON", "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n", RuleDaemon},
		{"postmaster", "From: \"Postmaster\" <POSTMASTER@example.org>\n", RuleDaemon},
		{"a read receipt", "From: anna@example.org\nContent-Type: multipart/report; report-type=disposition-notification; boundary=r\n\n--r\n\nRead.\n--r--\n", RuleReport},
		{"our own Message-ID", "From: anna@example.org\nMessage-ID: <case-42.letter-1.k3j4h5@WIKIMEDIA.SE>\n", RuleOwnID},
		{"another Message-ID of a subdomain", "From: anna@example.org\nMessage-ID: <x@lists.wikimedia.se>\n", ""},
		{"our own address", "From: Helpdesk <helpdesk@wikimedia.se>\nMessage-ID: <x@example.org>\n", RuleOwnAddress},
	} {
		mail := c.mail
		if !strings.Contains(mail, "\n\n") {
			mail += "\nHello\n"
		}
		in := read(t, []byte(mail), helpdeskOptions())
		check(t, c.name, in.Machine, c.rule)
	}

	// The first rule that matches is named.
	in := read(t, []byte("Precedence: bulk\nList-Id: <x.example.org>\n"+person+body), helpdeskOptions())
	check(t, "two rules", in.Machine, RulePrecedence)
}

func TestMachineFiles(t *testing.T) {
	for file, rule := range map[string]string{
		"ooo-exchange.eml":        RuleAutoSubmitted,
		"newsletter.eml":          RulePrecedence,
		"bounce-postfix.eml":      RuleAutoSubmitted,
		"outlook-reply-sv.eml":    "",
		"gmail-reply-fr.eml":      "",
		"apple-reply-es.eml":      "",
		"gmail-new-pt.eml":        "",
		"latin1-8bit.eml":         "",
		"outlook-web-html-ar.eml": "",
	} {
		check(t, file, readFile(t, file).Machine, rule)
	}
	// An out-of-office gets no language: it is never answered.
	ooo := readFile(t, "ooo-exchange.eml")
	check(t, "out-of-office text", ooo.Text, "Jag är på semester till och med 14 mars och läser inte min e-post.")
	check(t, "out-of-office subject", ooo.Subject, "Automatiskt svar: [#42] Uppladdning av hamnbilder")
	// The newsletter's HTML read, never rendered.
	nl := readFile(t, "newsletter.eml")
	if !nl.FromHTML || strings.Contains(nl.Text, "track()") || strings.Contains(nl.Text, "padding") || !strings.Contains(nl.Text, "Nya bidrag för digitalisering av arkiv & bibliotek.") {
		t.Errorf("newsletter text %q", nl.Text)
	}
}

// A bounce of the helpdesk's letter: the failed recipient (as written in
// the letter, Original-Recipient, lower-cased), not the delayed one, and
// the Message-ID of the letter that bounced.
func TestBounce(t *testing.T) {
	in := readFile(t, "bounce-postfix.eml")
	check(t, "Machine", in.Machine, RuleAutoSubmitted)
	if in.Bounce == nil {
		t.Fatal("no Bounce")
	}
	check(t, "bounced Message-ID", in.Bounce.MessageID, "case-51.letter-3.dd44@wikimedia.se")
	if len(in.Bounce.Failed) != 1 {
		t.Fatalf("Failed = %+v", in.Bounce.Failed)
	}
	f := in.Bounce.Failed[0]
	check(t, "Address", f.Address, "old.address@kommun.example.se")
	check(t, "Final", f.Final, "old.address@kommun.example.se")
	check(t, "Status", f.Status, "5.1.1")
	check(t, "Diagnostic", f.Diagnostic, "550 5.1.1 <old.address@kommun.example.se>: Recipient address rejected: User unknown in virtual mailbox table")
	if !strings.HasPrefix(in.Text, "This is the mail system at host mx.wikimedia.se.") {
		t.Errorf("Text = %q", in.Text)
	}
	if len(in.Attachments) != 0 {
		t.Errorf("the report's parts listed as attachments: %+v", in.Attachments)
	}
}

// A bounce from Exchange: the whole returned mail (message/rfc822), a
// Final-Recipient only, several failed recipients, a base64 status part.
func TestBounceExchange(t *testing.T) {
	mail := `From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>
To: <helpdesk@wikimedia.se>
Subject: Undeliverable: [#60] Your request
Content-Type: multipart/report; report-type=delivery-status;
	boundary="b1_report"
Message-ID: <ndr-1@example.com>
MIME-Version: 1.0

--b1_report
Content-Type: text/plain; charset="us-ascii"

Delivery has failed to these recipients or groups:

--b1_report
Content-Type: message/delivery-status
Content-Transfer-Encoding: base64

UmVwb3J0aW5nLU1UQTogZG5zO0FNMFBSMDJNQjU1NTUuZXVycHJkMDIucHJvZC5vdXRsb29rLmNv
bQ0KDQpGaW5hbC1SZWNpcGllbnQ6IHJmYzgyMjtHb25lQGV4YW1wbGUuY29tDQpBY3Rpb246IGZh
aWxlZA0KU3RhdHVzOiA1LjEuMTANCg0KRmluYWwtUmVjaXBpZW50OiByZmM4MjI7YWxzby5nb25l
QGV4YW1wbGUuY29tDQpBY3Rpb246IGZhaWxlZA0KU3RhdHVzOiA1LjQuMQ0K

--b1_report
Content-Type: message/rfc822

From: Helpdesk <helpdesk@wikimedia.se>
Message-ID: <case-60.letter-1.ee55@wikimedia.se>
Subject: [#60] Your request

The letter.

--b1_report--
`
	in := read(t, crlf([]byte(mail)), helpdeskOptions())
	check(t, "Machine", in.Machine, RuleReport)
	if in.Bounce == nil {
		t.Fatal("no Bounce")
	}
	check(t, "MessageID", in.Bounce.MessageID, "case-60.letter-1.ee55@wikimedia.se")
	var got []string
	for _, f := range in.Bounce.Failed {
		got = append(got, f.Address+" "+f.Status)
	}
	checkList(t, "Failed", got, "gone@example.com 5.1.10", "also.gone@example.com 5.4.1")
}

// Not a bounce: a delivery report of success, and a read receipt.
func TestNotBounce(t *testing.T) {
	relayed := "From: MAILER-DAEMON@example.org\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; example.org\n\nFinal-Recipient: rfc822; anna@example.org\nAction: delivered\nStatus: 2.0.0\n--x--\n"
	in := read(t, []byte(relayed), ReadOptions{})
	if in.Bounce == nil || len(in.Bounce.Failed) != 0 {
		t.Errorf("Bounce = %+v", in.Bounce)
	}
	receipt := "From: anna@example.org\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\n\n--x\nContent-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; anna@example.org\nDisposition: manual-action/MDN-sent-manually; displayed\n--x--\n"
	if in := read(t, []byte(receipt), ReadOptions{}); in.Bounce != nil || in.Machine != RuleReport {
		t.Errorf("read receipt: Bounce %+v, Machine %q", in.Bounce, in.Machine)
	}
}
