package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/wmse/helpdesk/adapters/mail"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// clock is a clock the test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

var (
	catOnce sync.Once
	cat     *locales.Catalog
)

func catalog(t testing.TB) *locales.Catalog {
	t.Helper()
	catOnce.Do(func() {
		var err error
		if cat, err = locales.Default(); err != nil {
			panic(err)
		}
	})
	return cat
}

// outletFor is an Outlet that submits to srv in clear text, logged in as
// the server's user, at the test's clock; change adjusts its Config.
func outletFor(t *testing.T, srv *submission, clk *clock, change ...func(*mail.Config)) *mail.Outlet {
	t.Helper()
	cfg := mail.Config{
		Addr:     srv.addr,
		TLS:      mail.NoTLS,
		Username: srv.user,
		Password: mail.NewSecret(srv.pass),
		From:     "helpdesk@wikimedia.se",
		FromName: "Wikimedia Sverige Helpdesk",
		Clock:    clk,
		Timeout:  10 * time.Second,
	}
	for _, c := range change {
		c(&cfg)
	}
	o, err := mail.New(cfg, catalog(t))
	if err != nil {
		t.Fatalf("new outlet: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

var (
	lena  = bot.UserID("mail:lena@museum.se")
	amira = bot.UserID("mail:amira@archive.example")
)

func dm(u bot.UserID) bot.Place { return bot.Place{Kind: bot.InDirect, User: u} }

// letterSv is what staff's reply to a Swedish requester looks like.
func letterSv(key string) bot.Message {
	return bot.Message{
		Key:     key,
		Lang:    "sv",
		Subject: bot.T("mail.subject", "id", bot.C("#1"), "title", bot.S("Glasplåtar från Örebro")),
		Lines: []bot.Text{
			bot.T("dm.reply", "id", bot.C("#1"), "title", bot.S("Glasplåtar från Örebro"), "who", bot.P(bot.Person{ID: "shell:sam", Name: "Sam Ström"})),
			bot.Quoted("Vi ringer dig nästa vecka om skanningen av de 300 glasplåtarna, och om licensen för bilderna på Wikimedia Commons.\nHälsningar, Sam"),
			bot.T("dm.reply.how.mail"),
		},
	}
}

func post(t *testing.T, o *mail.Outlet, to bot.UserID, m bot.Message) string {
	t.Helper()
	ref, err := o.Post(context.Background(), dm(to), m)
	if err != nil {
		t.Fatalf("post %s: %v", m.Key, err)
	}
	return ref
}

// parsed is a letter as a mail program reads it.
type parsed struct {
	raw    []byte
	header gomail.Header
	body   string // decoded
}

func parse(t *testing.T, l letter) parsed {
	t.Helper()
	e, err := message.Read(bytes.NewReader(l.Data))
	if err != nil {
		t.Fatalf("read letter: %v\n%s", err, l.Data)
	}
	b, err := io.ReadAll(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	return parsed{raw: l.Data, header: gomail.Header{Header: e.Header}, body: string(b)}
}

func (p parsed) text(t *testing.T, key string) string {
	t.Helper()
	s, err := p.header.Text(key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return s
}

// unflow reads a format=flowed body as a mail program that knows the
// format does (RFC 3676, 4.2): quote marks counted and taken off, a
// stuffed space taken off, lines that end in a space joined to the next.
// Each paragraph comes back as its depth and its text.
func unflow(body string) []string {
	var out []string
	cur, depth, open := "", 0, false
	for _, line := range strings.Split(strings.TrimSuffix(strings.ReplaceAll(body, "\r\n", "\n"), "\n"), "\n") {
		d := 0
		for strings.HasPrefix(line, ">") {
			d++
			line = line[1:]
		}
		line = strings.TrimPrefix(line, " ")
		if open && d != depth {
			out = append(out, fmt.Sprintf("%d|%s", depth, cur))
			cur, open = "", false
		}
		cur += line
		depth = d
		if strings.HasSuffix(line, " ") && line != "-- " {
			open = true
			continue
		}
		out = append(out, fmt.Sprintf("%d|%s", depth, cur))
		cur, open = "", false
	}
	if open {
		out = append(out, fmt.Sprintf("%d|%s", depth, cur))
	}
	return out
}

// Every letter is an automatic reply of the helpdesk's, in the reader's
// language, that a mail program threads: the headers are exactly these.
func TestALetterHasTheHeadersOfAnAutomaticReply(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	m := letterSv("helpdesk-5f3a9c-7")
	m.References = []string{"helpdesk-5f3a9c-2@wikimedia.se"}
	ref := post(t, o, lena, m)
	if ref != "helpdesk-5f3a9c-7@wikimedia.se" {
		t.Fatalf("ref %q: want the Message-ID without brackets", ref)
	}
	got := srv.letters()
	if len(got) != 1 {
		t.Fatalf("%d letters", len(got))
	}
	if got[0].From != "helpdesk@wikimedia.se" || !slices.Equal(got[0].To, []string{"lena@museum.se"}) || got[0].User != "helpdesk" {
		t.Fatalf("envelope %q → %q as %q", got[0].From, got[0].To, got[0].User)
	}
	if got[0].Helo != "wikimedia.se" {
		t.Errorf("EHLO %q, want the Message-ID domain", got[0].Helo)
	}
	p := parse(t, got[0])
	var keys []string
	fields := p.header.Fields()
	for fields.Next() {
		keys = append(keys, fields.Key())
	}
	want := []string{"Mime-Version", "From", "To", "Subject", "Date", "Message-Id", "In-Reply-To", "References",
		"Auto-Submitted", "X-Auto-Response-Suppress", "Content-Language", "Content-Type", "Content-Transfer-Encoding"}
	if !slices.Equal(keys, want) {
		t.Fatalf("header fields\n got %q\nwant %q", keys, want)
	}
	for k, v := range map[string]string{
		"Mime-Version":              "1.0",
		"Date":                      "Mon, 02 Mar 2026 09:00:00 +0000",
		"Message-Id":                "<helpdesk-5f3a9c-7@wikimedia.se>",
		"In-Reply-To":               "<helpdesk-5f3a9c-2@wikimedia.se>",
		"References":                "<helpdesk-5f3a9c-2@wikimedia.se>",
		"Auto-Submitted":            "auto-replied",
		"X-Auto-Response-Suppress":  "All",
		"Content-Language":          "sv",
		"Content-Type":              "text/plain; charset=utf-8; format=flowed",
		"Content-Transfer-Encoding": "quoted-printable",
		"To":                        "<lena@museum.se>",
	} {
		if g := p.header.Get(k); g != v {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Wikimedia Sverige Helpdesk" || from[0].Address != "helpdesk@wikimedia.se" {
		t.Errorf("From %v (%v)", from, err)
	}
	if s := p.text(t, "Subject"); s != "[#1] Glasplåtar från Örebro" {
		t.Errorf("Subject %q", s)
	}
}

// Each letter of a case refers to the earlier ones: In-Reply-To the
// latest, References all of them oldest first (the refs the outbox
// recorded, which are the Message-IDs Post returned), so a mail program
// keeps the case's letters together. A long case names its first letter
// and its latest ones.
func TestALetterThreadsUnderTheEarlierOnes(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	first := post(t, o, lena, letterSv("helpdesk-i-1"))
	second := post(t, o, lena, bot.Message{Key: "helpdesk-i-2", Lang: "sv", Lines: []bot.Text{bot.T("dm.question.how.mail")},
		References: []string{first}})
	third := letterSv("helpdesk-i-3")
	third.References = []string{first, second}
	post(t, o, lena, third)
	got := srv.letters()
	if len(got) != 3 {
		t.Fatalf("%d letters", len(got))
	}
	p1, p2, p3 := parse(t, got[0]), parse(t, got[1]), parse(t, got[2])
	if p1.header.Has("In-Reply-To") || p1.header.Has("References") {
		t.Errorf("the first letter refers to something: %q %q", p1.header.Get("In-Reply-To"), p1.header.Get("References"))
	}
	id1, _ := p1.header.MessageID()
	id2, _ := p2.header.MessageID()
	if id1 != first || id2 != second {
		t.Fatalf("Message-IDs %q %q, refs %q %q", id1, id2, first, second)
	}
	if irt, _ := p2.header.MsgIDList("In-Reply-To"); !slices.Equal(irt, []string{first}) {
		t.Errorf("second In-Reply-To %q", irt)
	}
	if irt, _ := p3.header.MsgIDList("In-Reply-To"); !slices.Equal(irt, []string{second}) {
		t.Errorf("third In-Reply-To %q", irt)
	}
	if refs, _ := p3.header.MsgIDList("References"); !slices.Equal(refs, []string{first, second}) {
		t.Errorf("third References %q", refs)
	}

	// Thirty earlier letters: the first and the latest nineteen.
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("helpdesk-i-%d@wikimedia.se", 100+i))
	}
	m := letterSv("helpdesk-i-200")
	m.References = many
	post(t, o, lena, m)
	p := parse(t, srv.letters()[3])
	refs, err := p.header.MsgIDList("References")
	if err != nil || len(refs) != 20 || refs[0] != many[0] || !slices.Equal(refs[1:], many[11:]) {
		t.Errorf("References of a long case: %q (%v)", refs, err)
	}
	if irt, _ := p.header.MsgIDList("In-Reply-To"); !slices.Equal(irt, many[29:]) {
		t.Errorf("In-Reply-To of a long case: %q", irt)
	}
	for _, line := range strings.Split(string(p.raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
}

// The Message-ID is made of the outbox item's key: every attempt at an
// item has the same one, in any process. A key already sent sends nothing
// and answers the same reference, also after a restart with a sent log.
func TestTheMessageIDComesFromTheKey(t *testing.T) {
	srv := newSubmission(t, clearText)
	log := filepath.Join(t.TempDir(), "sent.log")
	clk := newClock()
	o := outletFor(t, srv, clk, func(c *mail.Config) { c.SentLog = log })
	other := outletFor(t, srv, clk, func(c *mail.Config) { c.Domain = "Helpdesk.Example.ORG" })
	if a, b := o.MessageID("helpdesk-ab12-9"), o.MessageID("helpdesk-ab12-9"); a != b || a != "helpdesk-ab12-9@wikimedia.se" {
		t.Fatalf("same key, ids %q and %q", a, b)
	}
	if id := other.MessageID("helpdesk-ab12-9"); id != "helpdesk-ab12-9@helpdesk.example.org" {
		t.Fatalf("configured domain: %q", id)
	}
	// A key of any characters makes a valid id, and two keys never one.
	odd := o.MessageID("a b<c>@d=e.f\r\n")
	if odd != "a=20b=3Cc=3E=40d=3De=2Ef=0D=0A@wikimedia.se" {
		t.Fatalf("odd key: %q", odd)
	}
	if o.MessageID("a=20b") == o.MessageID("a b") {
		t.Fatal("two keys made one id")
	}

	ref := post(t, o, lena, letterSv("helpdesk-ab12-9"))
	again := post(t, o, lena, letterSv("helpdesk-ab12-9"))
	if ref != again || len(srv.letters()) != 1 {
		t.Fatalf("the same key twice: refs %q %q, %d letters", ref, again, len(srv.letters()))
	}
	// Restarted on the same sent log: still recognised.
	o.Close()
	restarted := outletFor(t, srv, clk, func(c *mail.Config) { c.SentLog = log })
	if r := post(t, restarted, lena, letterSv("helpdesk-ab12-9")); r != ref || len(srv.letters()) != 1 {
		t.Fatalf("after a restart: ref %q, %d letters", r, len(srv.letters()))
	}
	// Without the log (another process, or past two days) the letter goes
	// again with the same Message-ID: SMTP does not deduplicate.
	fresh := outletFor(t, srv, clk)
	if r := post(t, fresh, lena, letterSv("helpdesk-ab12-9")); r != ref {
		t.Fatalf("fresh outlet: ref %q", r)
	}
	got := srv.letters()
	if len(got) != 2 {
		t.Fatalf("%d letters", len(got))
	}
	pa, pb := parse(t, got[0]), parse(t, got[1])
	a, _ := pa.header.MessageID()
	b, _ := pb.header.MessageID()
	if a != b || a != ref {
		t.Fatalf("Message-IDs %q and %q", a, b)
	}
}

// A Swedish letter: the subject in RFC 2047 quoted-printable words, the
// body quoted-printable UTF-8, wrapped between words, the reply's words
// quoted.
func TestASwedishLetter(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	post(t, o, lena, letterSv("helpdesk-sv-1"))
	p := parse(t, srv.letters()[0])
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("raw Subject %q: want Q-encoded words", raw)
	}
	if s := p.text(t, "Subject"); s != "[#1] Glasplåtar från Örebro" {
		t.Errorf("Subject %q", s)
	}
	paras := unflow(locales.StripIsolates(p.body))
	for _, want := range []string{
		"0|Sam Ström från helpdesken skriver om ärende #1 (Glasplåtar från Örebro):",
		"1|Vi ringer dig nästa vecka om skanningen av de 300 glasplåtarna, och om licensen för bilderna på Wikimedia Commons.",
		"1|Hälsningar, Sam",
		"0|" + mustText(t, "sv", bot.T("dm.reply.how.mail")),
	} {
		if !slices.Contains(paras, want) {
			t.Errorf("paragraphs lack %q:\n%q", want, paras)
		}
	}
	if strings.ContainsRune(p.body, '\u2068') == false {
		t.Errorf("the body lost the catalog's isolates around user text: %q", p.body)
	}
	checkLines(t, p)
	if !strings.Contains(p.body, "> Vi ringer dig") {
		t.Errorf("the reply's words are not quoted:\n%s", p.body)
	}
}

// An Arabic letter: base64 words in the subject and a base64 body (a third
// of quoted-printable's size for Arabic script), in Arabic, with the case
// number still "[#1]" to the intake (no direction marks in the subject).
func TestAnArabicLetter(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	title := "رقمنة أرشيف الصور"
	m := bot.Message{
		Key:     "helpdesk-ar-1",
		Lang:    "ar",
		Subject: bot.T("mail.subject", "id", bot.C("#1"), "title", bot.S(title)),
		Lines: []bot.Text{
			bot.T("dm.question", "id", bot.C("#1"), "title", bot.S(title), "who", bot.P(bot.Person{ID: "shell:bo", Name: "Bo"})),
			bot.Quoted("ما هي رخصة الصور الممسوحة ضوئيًا؟"),
			bot.T("dm.question.how.mail"),
		},
	}
	post(t, o, amira, m)
	p := parse(t, srv.letters()[0])
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?b?") {
		t.Errorf("raw Subject %q: want B-encoded words", raw)
	}
	s := p.text(t, "Subject")
	if s != "[#1] "+title {
		t.Errorf("Subject %q", s)
	}
	if p.header.Get("Content-Transfer-Encoding") != "base64" || p.header.Get("Content-Language") != "ar" {
		t.Errorf("encoding %q, language %q", p.header.Get("Content-Transfer-Encoding"), p.header.Get("Content-Language"))
	}
	for _, want := range []string{
		mustText(t, "ar", bot.T("dm.question.how.mail")),
		"> ما هي رخصة الصور الممسوحة ضوئيًا؟",
		"Bo",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.body)
		}
	}
	checkLines(t, p)
}

// checkLines: the letter's raw lines stay within 78 characters, and so do
// the body's decoded lines (in characters) but for a word longer than a
// line; no line ends in a space unless it flows on.
func checkLines(t *testing.T, p parsed) {
	t.Helper()
	for _, line := range strings.Split(string(p.raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("raw line of %d bytes: %q", len(line), line)
		}
	}
	for _, line := range strings.Split(p.body, "\r\n") {
		if n := utf8.RuneCountInString(line); n > 78 && strings.Contains(strings.TrimSpace(strings.TrimLeft(line, "> ")), " ") {
			t.Errorf("body line of %d characters: %q", n, line)
		}
	}
	if !strings.HasSuffix(p.body, "\r\n") {
		t.Errorf("body does not end in a line break: %q", p.body)
	}
}

func mustText(t *testing.T, lang string, tx bot.Text) string {
	t.Helper()
	return catalog(t).Text(lang, tx, locales.Style{})
}

// A long paragraph is broken between words, never inside one, and flows
// back to the same text; a word longer than a line stays whole; lines that
// would read as a quote or an mbox "From " are stuffed.
func TestLongLinesBreakBetweenWords(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	long := strings.Repeat("Glasplåtarna från stadsarkivet skannas i 600 dpi. ", 6) + "https://commons.wikimedia.org/wiki/Category:" + strings.Repeat("Glass_plate_negatives_", 5)
	m := bot.Message{Key: "k-long", Lang: "en", Lines: []bot.Text{
		bot.Quoted(strings.TrimSpace(long)),
		bot.Quoted(">not a quote\nFrom the archive\n  indented"),
	}}
	post(t, o, lena, m)
	p := parse(t, srv.letters()[0])
	checkLines(t, p)
	paras := unflow(p.body)
	if len(paras) < 4 || paras[0] != "1|"+strings.TrimSpace(long) {
		t.Fatalf("paragraphs %q", paras)
	}
	for _, want := range []string{"1|>not a quote", "1|From the archive", "1|  indented"} {
		if !slices.Contains(paras, want) {
			t.Errorf("paragraphs %q lack %q", paras, want)
		}
	}
	for _, line := range strings.Split(p.body, "\r\n") {
		if strings.HasPrefix(line, "From ") {
			t.Errorf("unstuffed line %q", line)
		}
	}
}

// Words a person wrote cannot add headers or direction overrides.
func TestAPersonsWordsCannotWriteHeaders(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	m := bot.Message{Key: "k-evil", Lang: "en",
		Subject: bot.T("mail.subject", "id", bot.C("#3"), "title", bot.S("Scans\r\nBcc: everyone@example.org\r\n\r\nHello")),
		Lines:   []bot.Text{bot.Quoted("Invoice\u202Egpj.exe\r\nBcc: x@example.org")}}
	post(t, o, lena, m)
	got := srv.letters()[0]
	p := parse(t, got)
	if p.header.Has("Bcc") || !slices.Equal(got.To, []string{"lena@museum.se"}) {
		t.Fatalf("a title wrote a header: %q", p.raw)
	}
	if s := p.text(t, "Subject"); s != "[#3] Scans Bcc: everyone@example.org Hello" {
		t.Errorf("Subject %q", s)
	}
	if strings.ContainsRune(p.body, '\u202E') || strings.Contains(p.body, "\r\r") {
		t.Errorf("body keeps a control character: %q", p.body)
	}
}

// The mail platform only sends letters to people who write by mail:
// anything else is refused for good (the outbox gives it up at once), and
// nothing is sent.
func TestOnlyLettersToPeopleWhoWriteByMail(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	ctx := context.Background()
	m := letterSv("k-x")
	for name, to := range map[string]bot.Place{
		"committee":                      {Kind: bot.InCommittee},
		"thread":                         {Kind: bot.InThread, Thread: "t1"},
		"group":                          {Kind: bot.InGroup, Group: "implementation"},
		"a chat person":                  dm("shell:ana"),
		"two addresses":                  dm("mail:a@example.org, b@example.org"),
		"a header":                       dm("mail:a@example.org\r\nBcc: b@example.org"),
		"a name":                         dm("mail:Lena <lena@museum.se>"),
		"no domain":                      dm("mail:lena"),
		"nobody":                         dm(""),
		"a quoted trickery":              dm(`mail:"a b"@example.org`),
		"a local part in another script": dm("mail:jörg@example.de"),
	} {
		_, err := o.Post(ctx, to, m)
		if !errors.Is(err, mail.ErrUnsupported) || !errors.Is(err, bot.ErrUnreachable) {
			t.Errorf("%s: %v", name, err)
		}
	}
	calls := map[string]error{}
	_, calls["StartThread"] = o.StartThread(ctx, "p1", m)
	calls["Edit"] = o.Edit(ctx, "p1", m)
	calls["React"] = o.React(ctx, "p1", "✅")
	calls["Invite"] = o.Invite(ctx, "t1", lena)
	for name, err := range calls {
		if !errors.Is(err, mail.ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(srv.letters()); n != 0 {
		t.Fatalf("%d letters sent", n)
	}
}

// An internationalised domain goes in its ASCII form.
func TestAnInternationalDomain(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	post(t, o, "mail:info@räksmörgås.se", letterSv("k-idn"))
	got := srv.letters()
	if len(got) != 1 || !slices.Equal(got[0].To, []string{"info@xn--rksmrgs-5wao1o.se"}) {
		t.Fatalf("letters %+v", got)
	}
	p := parse(t, got[0])
	if to := p.header.Get("To"); to != "<info@xn--rksmrgs-5wao1o.se>" {
		t.Errorf("To %q", to)
	}
}

// A server that refuses the recipient or the letter for good (5xx) makes
// the person unreachable; a refusal of the helpdesk's own doing does not.
func TestARefusalForGoodIsUnreachable(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	srv.rcpt = func(to string) error {
		if to == "gone@museum.se" {
			return refuse(550, smtp.EnhancedCode{5, 1, 1}, "<gone@museum.se>: Recipient address rejected: User unknown in virtual mailbox table")
		}
		return nil
	}
	_, err := o.Post(context.Background(), dm("mail:gone@museum.se"), letterSv("k-1"))
	var se *mail.SendError
	if !errors.Is(err, bot.ErrUnreachable) || !errors.As(err, &se) || se.Step != "recipient" || se.Code != 550 || se.Enhanced != [3]int{5, 1, 1} {
		t.Fatalf("unknown mailbox: %v (%+v)", err, se)
	}
	srv.data = func() error {
		return refuse(554, smtp.EnhancedCode{5, 7, 1}, "Message rejected due to content restrictions")
	}
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-2")); !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("letter refused: %v", err)
	}
	// Relay refused because the helpdesk is not logged in: its own fault.
	srv.data = nil
	srv.rcpt = func(string) error {
		return refuse(530, smtp.EnhancedCode{5, 7, 0}, "Authentication required")
	}
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-3")); err == nil || errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("a refusal of the helpdesk's own: %v", err)
	}
	if n := len(srv.letters()); n != 0 {
		t.Fatalf("%d letters taken", n)
	}
}

// A temporary refusal (4xx) or a network failure is passing: the outbox
// tries again, after the wait the server named if it named one.
func TestATemporaryRefusalIsTriedAgain(t *testing.T) {
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock())
	srv.rcpt = func(string) error {
		return refuse(450, smtp.EnhancedCode{4, 2, 0}, "<lena@museum.se>: Recipient address rejected: Greylisted, please try again in 5 minutes")
	}
	_, err := o.Post(context.Background(), dm(lena), letterSv("k-1"))
	var ra bot.RetryAfterer
	if err == nil || errors.Is(err, bot.ErrUnreachable) || !errors.As(err, &ra) || ra.RetryAfter() != 5*time.Minute {
		t.Fatalf("greylisted: %v", err)
	}
	srv.rcpt = func(string) error {
		return refuse(421, smtp.EnhancedCode{4, 3, 0}, "Service not available, closing channel")
	}
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-1")); err == nil || errors.Is(err, bot.ErrUnreachable) || !errors.As(err, &ra) || ra.RetryAfter() != 0 {
		t.Fatalf("421: %v", err)
	}
	srv.rcpt = nil
	ref := post(t, o, lena, letterSv("k-1"))
	if len(srv.letters()) != 1 || ref == "" {
		t.Fatal("the letter did not go on the next try")
	}

	// Nobody listening.
	down := outletFor(t, srv, newClock(), func(c *mail.Config) { c.Addr = "127.0.0.1:1" })
	_, err = down.Post(context.Background(), dm(lena), letterSv("k-2"))
	var se *mail.SendError
	if err == nil || errors.Is(err, bot.ErrUnreachable) || !errors.As(err, &se) || se.Step != "connect" {
		t.Fatalf("no server: %v", err)
	}
}

// A failed login is passing (the operators mend the password and the
// letters that waited go) and its text never holds the password — not
// even when the server repeats what it was sent.
func TestAFailedLoginKeepsThePasswordSecret(t *testing.T) {
	srv := newSubmission(t, clearText)
	wrong := "W0ng pass!word"
	for _, mechs := range [][]string{{"PLAIN"}, {"LOGIN"}} {
		srv.mechs = mechs
		o := outletFor(t, srv, newClock(), func(c *mail.Config) { c.Password = mail.NewSecret(wrong) })
		_, err := o.Post(context.Background(), dm(lena), letterSv("k-1"))
		var se *mail.SendError
		if err == nil || errors.Is(err, bot.ErrUnreachable) || !errors.As(err, &se) || se.Step != "login" || se.Code != 535 {
			t.Fatalf("%v: wrong password: %v", mechs, err)
		}
		checkSecret(t, err.Error(), wrong)
		if err := o.Check(context.Background()); err == nil {
			t.Fatalf("%v: Check with a wrong password passed", mechs)
		} else {
			checkSecret(t, err.Error(), wrong)
		}
	}
	// A server that repeats the password, plain and as sent.
	srv.mechs = nil
	blob := base64.StdEncoding.EncodeToString([]byte("\x00helpdesk\x00" + wrong))
	srv.authReply = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + wrong + " " + blob + " " + base64.StdEncoding.EncodeToString([]byte(wrong))}
	o := outletFor(t, srv, newClock(), func(c *mail.Config) { c.Password = mail.NewSecret(wrong) })
	_, err := o.Post(context.Background(), dm(lena), letterSv("k-1"))
	if err == nil {
		t.Fatal("a refused login passed")
	}
	checkSecret(t, err.Error(), wrong)
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("the server's words were lost: %v", err)
	}
	// The configuration prints and logs without it.
	cfg := mail.Config{Username: "helpdesk", Password: mail.NewSecret(wrong)}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "cfg", cfg, "password", cfg.Password)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Password), logged.String()} {
		checkSecret(t, s, wrong)
	}
	if len(srv.letters()) != 0 {
		t.Fatal("a letter went without a login")
	}
}

func checkSecret(t *testing.T, s, secret string) {
	t.Helper()
	for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), "W0ng"} {
		if strings.Contains(s, form) {
			t.Errorf("the password shows in %q", s)
		}
	}
}

// Check logs in and sends nothing.
func TestCheckLogsInAndSendsNothing(t *testing.T) {
	srv := newSubmission(t, startTLS)
	o := outletFor(t, srv, newClock(), func(c *mail.Config) {
		c.TLS, c.TLSConfig = mail.StartTLS, &tls.Config{RootCAs: srv.certs}
	})
	if err := o.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if srv.sessions == 0 || len(srv.letters()) != 0 {
		t.Fatalf("%d sessions, %d letters", srv.sessions, len(srv.letters()))
	}
}

// An address gets at most DailyCap letters in 24 hours: beyond, the letter
// is refused for good (staff see it in the case's thread), others still
// get theirs, and the count survives a restart with a sent log.
func TestTheDailyCap(t *testing.T) {
	srv := newSubmission(t, clearText)
	clk := newClock()
	log := filepath.Join(t.TempDir(), "sent.log")
	capped := func(c *mail.Config) { c.DailyCap, c.SentLog = 3, log }
	o := outletFor(t, srv, clk, capped)
	for i := range 3 {
		post(t, o, lena, letterSv(fmt.Sprintf("k-%d", i)))
		clk.advance(time.Hour)
	}
	_, err := o.Post(context.Background(), dm(lena), letterSv("k-3"))
	if !errors.Is(err, mail.ErrDailyCap) || !errors.Is(err, bot.ErrUnreachable) || !strings.Contains(err.Error(), "cap") {
		t.Fatalf("the fourth letter: %v", err)
	}
	post(t, o, amira, letterSv("k-a")) // someone else
	// A restart remembers.
	o.Close()
	o = outletFor(t, srv, clk, capped)
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-4")); !errors.Is(err, mail.ErrDailyCap) {
		t.Fatalf("after a restart: %v", err)
	}
	// A day after the first letter, one more may go.
	clk.advance(21 * time.Hour)
	post(t, o, lena, letterSv("k-5"))
	if _, err := o.Post(context.Background(), dm(lena), letterSv("k-6")); !errors.Is(err, mail.ErrDailyCap) {
		t.Fatalf("a day later, the second: %v", err)
	}
	if n := len(srv.letters()); n != 5 {
		t.Fatalf("%d letters sent, want 5", n)
	}
	// No cap at all.
	free := outletFor(t, srv, clk, func(c *mail.Config) { c.DailyCap = -1 })
	for i := range 50 {
		post(t, free, lena, bot.Message{Key: fmt.Sprintf("f-%d", i), Lang: "en", Lines: []bot.Text{bot.T("dm.reply.how.mail")}})
	}
}

// STARTTLS and implicit TLS, with the server's certificate checked; a
// server that offers no STARTTLS is an error, not clear text.
func TestTLS(t *testing.T) {
	for name, mode := range map[string]tlsMode{"starttls": startTLS, "tls": implicitTLS} {
		t.Run(name, func(t *testing.T) {
			srv := newSubmission(t, mode)
			o := outletFor(t, srv, newClock(), func(c *mail.Config) {
				c.TLS, c.TLSConfig = mail.TLSMode(name), &tls.Config{RootCAs: srv.certs}
			})
			post(t, o, lena, letterSv("k-1"))
			if got := srv.letters(); len(got) != 1 || !got[0].TLS || got[0].User != "helpdesk" {
				t.Fatalf("letters %+v", got)
			}
			untrusted := outletFor(t, srv, newClock(), func(c *mail.Config) { c.TLS = mail.TLSMode(name) })
			if _, err := untrusted.Post(context.Background(), dm(lena), letterSv("k-2")); err == nil || errors.Is(err, bot.ErrUnreachable) {
				t.Fatalf("an untrusted certificate: %v", err)
			}
		})
	}
	srv := newSubmission(t, clearText)
	o := outletFor(t, srv, newClock(), func(c *mail.Config) { c.TLS = mail.StartTLS })
	_, err := o.Post(context.Background(), dm(lena), letterSv("k-1"))
	var se *mail.SendError
	if !errors.As(err, &se) || se.Step != "tls" || errors.Is(err, bot.ErrUnreachable) || len(srv.letters()) != 0 {
		t.Fatalf("no STARTTLS offered: %v", err)
	}
}

// New checks the configuration: a password never crosses the network in
// clear, and the addresses and domain are sound.
func TestNewChecksTheConfiguration(t *testing.T) {
	good := mail.Config{Addr: "smtp.example.org:587", From: "helpdesk@wikimedia.se", Username: "u", Password: mail.NewSecret("p")}
	for name, change := range map[string]func(*mail.Config){
		"clear text to a remote server": func(c *mail.Config) { c.TLS = mail.NoTLS },
		"no password":                   func(c *mail.Config) { c.Password = mail.Secret{} },
		"no port":                       func(c *mail.Config) { c.Addr = "smtp.example.org" },
		"bad From":                      func(c *mail.Config) { c.From = "helpdesk" },
		"bad domain":                    func(c *mail.Config) { c.Domain = "exa mple.org" },
		"bad TLS":                       func(c *mail.Config) { c.TLS = "ssl" },
		"bad name":                      func(c *mail.Config) { c.FromName = "Help\r\nBcc: x@y" },
	} {
		cfg := good
		change(&cfg)
		if _, err := mail.New(cfg, catalog(t)); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			checkSecret(t, err.Error(), "p@ss")
		}
	}
	cfg := good
	cfg.TLS, cfg.Addr = mail.NoTLS, "127.0.0.1:25"
	if _, err := mail.New(cfg, catalog(t)); err != nil {
		t.Errorf("clear text on loopback: %v", err)
	}
	if o, err := mail.New(good, catalog(t)); err != nil {
		t.Errorf("good: %v", err)
	} else {
		o.Close()
	}
}

func TestPasswordFromEnv(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("two words\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if s, err := mail.PasswordFromEnv(env(map[string]string{mail.PasswordEnv: "a b"})); err != nil || s.Reveal() != "a b" {
		t.Errorf("direct: %v", err)
	}
	if s, err := mail.PasswordFromEnv(env(map[string]string{mail.PasswordFileEnv: file})); err != nil || s.Reveal() != "two words" {
		t.Errorf("file: %q %v", s.Reveal(), err)
	}
	if _, err := mail.PasswordFromEnv(env(map[string]string{mail.PasswordEnv: "x", mail.PasswordFileEnv: file})); err == nil {
		t.Error("both set: accepted")
	}
	if s, err := mail.PasswordFromEnv(env(nil)); err != nil || !s.IsZero() {
		t.Errorf("none: %v", err)
	}
}
