package shell_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/shell"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

// t0 is when every test's clock starts.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// demoRoster is the cast of the demo: five committee members with ana in
// the chair, one member each in two working groups, one staff member.
func demoRoster() shell.Roster {
	committee := shell.Person{Roles: bot.Roles{Committee: true}}
	return shell.Roster{
		"ana":  {Roles: bot.Roles{Committee: true, Chair: true}},
		"bo":   committee,
		"chen": committee,
		"dina": committee,
		"eli":  committee,
		"ivan": {Roles: bot.Roles{Groups: []string{"implementation"}}},
		"cora": {Roles: bot.Roles{Groups: []string{"communication"}}},
		"sam":  {Roles: bot.Roles{Staff: true}},
	}
}

// harness is a shell on a real SQLite file with the demo roster and a
// clock that stands still until someone waits.
type harness struct {
	t   *testing.T
	svc *bot.Service
	sh  *shell.Shell
	cat *locales.Catalog
	out bytes.Buffer
	log syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newHarness starts a shell whose environment's locale is envLocale; opts
// change its options.
func newHarness(t *testing.T, envLocale string, opts ...func(*shell.Options)) *harness {
	t.Helper()
	return newHarnessWith(t, envLocale, bot.Config{}, opts...)
}

// newHarnessWith starts a shell whose helpdesk has the configuration cfg.
func newHarnessWith(t *testing.T, envLocale string, cfg bot.Config, opts ...func(*shell.Options)) *harness {
	t.Helper()
	h := &harness{t: t}
	ctx := context.Background()
	clock := shell.NewClock(t0)
	store, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "helpdesk.db"), sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	h.cat, err = locales.Default()
	if err != nil {
		t.Fatalf("load locales: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(&h.log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o := shell.Options{
		Catalog: h.cat,
		Clock:   clock,
		Roster:  demoRoster(),
		Out:     &h.out,
		Locale:  envLocale,
		Logger:  logger,
	}
	for _, change := range opts {
		change(&o)
	}
	h.sh = shell.New(o)
	cfg.Logger = logger
	h.svc = bot.New(store, clock, h.cat, cfg)
	h.svc.Attach(shell.Platform, h.sh)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("transcript:\n%s\nlog:\n%s", h.out.String(), h.log.String())
		}
	})
	return h
}

// play runs a script in the shell and returns what it printed. The shell
// starts each script speaking as rita.
func (h *harness) play(script string) string {
	h.t.Helper()
	start := h.out.Len()
	if err := h.sh.Run(context.Background(), h.svc, strings.NewReader(script)); err != nil {
		h.t.Fatalf("run: %v", err)
	}
	if strings.Contains(h.log.String(), "level=ERROR") {
		h.t.Fatalf("the helpdesk logged an error:\n%s", h.log.String())
	}
	return h.out.String()[start:]
}

// record returns case id as export shows it.
func (h *harness) record(id int64) bot.Record {
	h.t.Helper()
	recs, err := h.svc.ExportAll(context.Background())
	if err != nil {
		h.t.Fatalf("export: %v", err)
	}
	for _, r := range recs {
		if r.Case.ID == id {
			return r
		}
	}
	h.t.Fatalf("no case %d in export", id)
	return bot.Record{}
}

func wantIn(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(out, s) {
			t.Errorf("transcript lacks %q", s)
		}
	}
}

func wantNotIn(t *testing.T, out string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(out, s) {
			t.Errorf("transcript has %q", s)
		}
	}
}

// wantMatch checks that the transcript matches a regular expression and
// returns its submatches.
func wantMatch(t *testing.T, out, re string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("transcript does not match %s", re)
	}
	return m
}

// text renders a core message as the shell shows it, so that tests name
// what they expect by message ID and stay true when the wording changes.
func (h *harness) text(lang, id string, kv ...any) string {
	return h.render(lang, bot.T(id, kv...))
}

func (h *harness) render(lang string, t bot.Text) string {
	out := h.cat.Text(lang, t, locales.Style{Escape: shell.Escape})
	if h.cat.RightToLeft(lang) {
		return out
	}
	return locales.StripIsolates(out) // as the shell prints it
}

// block is one message of the transcript: its header ("[m3] thread t1",
// "→ private reply to rita") and the lines indented under it.
type block struct {
	head, body string
}

var headRE = regexp.MustCompile(`^(\[m[0-9.]+\] |→ )`)

// blocks splits a transcript into its messages.
func blocks(out string) []block {
	var bs []block
	open := false // whether indented lines belong to the last message
	for _, l := range strings.Split(out, "\n") {
		switch {
		case headRE.MatchString(l):
			bs = append(bs, block{head: l})
			open = true
		case open && strings.HasPrefix(l, indent):
			bs[len(bs)-1].body += l[len(indent):] + "\n"
		default:
			open = false
		}
	}
	return bs
}

const indent = "    "

// find returns the messages whose header matches head (a regular
// expression matched against the whole header) and whose body contains
// every one of subs.
func find(out, head string, subs ...string) []block {
	re := regexp.MustCompile("^" + head + "$")
	var found []block
next:
	for _, b := range blocks(out) {
		if !re.MatchString(b.head) {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(b.body, s) {
				continue next
			}
		}
		found = append(found, b)
	}
	return found
}

// wantBlock checks that a message with a header matching head says every
// one of subs, and returns the first such message.
func wantBlock(t *testing.T, out, head string, subs ...string) block {
	t.Helper()
	found := find(out, head, subs...)
	if len(found) == 0 {
		t.Errorf("no message %q saying %q", head, subs)
		return block{}
	}
	return found[0]
}

// postID is the id in a message's header.
func postID(b block) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(b.head, "["), "]")
	return id
}

// Headers of the places the shell prints to.
const (
	committee = `\[m\d+\] committee channel`
	edited    = `\[m\d+\] committee channel \(edited\)`
	anyThread = `\[m\d+\] thread t\d+`
)

func replyTo(name string) string { return "→ private reply to " + name }
func dmTo(name string) string    { return `\[m\d+\] DM to ` + name }

// request is rita asking for help with a media upload, all five fields
// answered.
const request = `/as rita
/helpdesk request media-upload
Scans of the city archive
We would like to upload 300 scanned maps to Commons.
City Archive of Uppsala
https://example.org/maps
Before the summer
`

const title = "Scans of the city archive"

func TestWholeCase(t *testing.T) {
	h := newHarness(t, "")
	c1 := bot.C("#1")

	// rita asks; she reads the confirmation, the committee the card.
	out := h.play(request)
	wantIn(t, out,
		"rita> /helpdesk request media-upload\n"+h.text("en", "form.request.title", "type", bot.X(bot.T("type.media-upload"))),
		h.text("en", "form.field.title")+" (required, at most 100 characters):",
		h.text("en", "form.field.organisation")+" (optional, at most 100 characters",
		"rita> "+title+"\n",
	)
	wantBlock(t, out, replyTo("rita"), h.text("en", "reply.opened", "id", c1, "title", bot.S(title)))
	wantBlock(t, out, dmTo("rita"), h.text("en", "dm.opened", "id", c1, "title", bot.S(title), "type", bot.X(bot.T("type.media-upload"))))
	card := wantBlock(t, out, committee,
		h.text("en", "card.title", "id", c1, "title", bot.S(title)),
		"We would like to upload 300 scanned maps to Commons.",
		"City Archive of Uppsala",
	)
	cardID := postID(card)
	if cardID == "" {
		t.FailNow()
	}
	thread := "t" + cardID[1:]
	threadHead := `\[m\d+\] thread ` + thread
	wantIn(t, out,
		"Thread "+thread+" opened on "+cardID+": "+h.text("en", "thread.name", "id", c1, "title", bot.S(title))+"\n",
		"\n"+cardID+": ✅ ❌ ❓\n",
	)

	// Three of the five committee members accept: a majority. The card
	// shows the tally as it grows.
	out = h.play(`/as ana
/react #1 ✅
/as bo
/react ` + cardID + ` :white_check_mark:
/as chen
/react #1 ✅
`)
	wantIn(t, out,
		"ana reacted ✅ on "+cardID+".",
		"bo reacted ✅ on "+cardID+".",
		"["+cardID+"] committee channel (edited)",
	)
	wantBlock(t, out, edited, h.render("en", bot.T("tally.initial", "voted", bot.N(2), "accept", bot.N(2), "decline", bot.N(0), "info", bot.N(0)).Plural(5)))
	wantBlock(t, out, threadHead, h.text("en", "thread.decided", "round", bot.N(1), "result", bot.X(bot.T("choice.accept")), "reason", bot.X(bot.T("reason.majority"))))
	routing := wantBlock(t, out, threadHead, h.text("en", "routing.title", "id", c1))
	wantIn(t, out, "\n"+postID(routing)+": 📣 🗂️ 🛠️ 🔬 🖼️ 📚 ⏩\n")
	wantBlock(t, out, dmTo("rita"), h.text("en", "dm.accepted", "id", c1, "title", bot.S(title)))
	if r := h.record(1); r.Case.Stage != bot.Routing {
		t.Fatalf("after three accepts the case is %s, want routing", r.Case.Stage)
	}

	// ana routes it to Implementation; ivan takes it up, joins the thread
	// and recommends.
	out = h.play(`/as ana
/react #1 🛠️
/as ivan
/react #1 🙋
/helpdesk recommend #1 Use Pattypan; we can help with the metadata.
`)
	impl := bot.X(bot.T("group.implementation"))
	wantIn(t, out, "ana reacted 🛠️ on "+postID(routing)+".")
	wantBlock(t, out, threadHead, h.text("en", "thread.routed", "groups", bot.L([]bot.Text{bot.T("group.implementation")}), "who", bot.S("ana")))
	groupCard := wantBlock(t, out, `\[m\d+\] #implementation`, h.text("en", "groupcard.title", "id", c1, "title", bot.S(title)), "Case thread: "+thread)
	wantIn(t, out,
		"ivan reacted 🙋 on "+postID(groupCard)+".",
		"ivan joined thread "+thread+".",
	)
	wantBlock(t, out, threadHead, h.text("en", "thread.claimed", "who", bot.S("ivan"), "group", impl))
	wantBlock(t, out, threadHead, h.text("en", "thread.recommended", "who", bot.S("ivan"), "group", impl), "Use Pattypan; we can help with the metadata.")
	final := wantBlock(t, out, threadHead, h.text("en", "vote.title.final", "id", c1, "round", bot.N(2)))
	wantIn(t, out, "\n"+postID(final)+": ✅ ❌ ↩️\n")

	// Three members give the final go.
	out = h.play(`/as bo
/react #1 ✅
/as dina
/react #1 ✅
/as eli
/react #1 ✅
`)
	wantIn(t, out, "eli reacted ✅ on "+postID(final)+".")
	wantBlock(t, out, threadHead, h.text("en", "thread.decided", "round", bot.N(2), "result", bot.X(bot.T("choice.go")), "reason", bot.X(bot.T("reason.majority"))))
	wantBlock(t, out, dmTo("rita"), h.text("en", "dm.go", "id", c1, "title", bot.S(title)))

	// Staff resolve it; rita reads the resolution and rates the help.
	summary := "The maps are on Commons in Category:Uppsala maps."
	out = h.play(`/as sam
/helpdesk resolve #1 ` + summary + `
/as rita
/react #1 4️⃣
`)
	wantBlock(t, out, replyTo("sam"), h.text("en", "reply.resolved", "id", c1))
	wantBlock(t, out, threadHead, h.text("en", "thread.resolved", "who", bot.S("sam")), summary)
	resolved := wantBlock(t, out, dmTo("rita"), h.text("en", "dm.resolved", "id", c1, "title", bot.S(title)), summary)
	wantIn(t, out,
		"Thread "+thread+" was archived.",
		"\n"+postID(resolved)+": 1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣\n",
		"rita reacted 4️⃣ on "+postID(resolved)+".",
	)
	wantBlock(t, out, edited, h.text("en", "rating.value", "n", bot.N(4)))

	r := h.record(1)
	if r.Case.Stage != bot.Closed || r.Case.Outcome != bot.Resolved || r.Case.Rating != 4 {
		t.Errorf("case is %s/%s rated %d, want closed/resolved rated 4", r.Case.Stage, r.Case.Outcome, r.Case.Rating)
	}
	if r.Case.Requester != "shell:rita" || r.Case.Title != title || r.Case.Organisation != "City Archive of Uppsala" {
		t.Errorf("case %+v", r.Case)
	}
	votes := map[int]map[bot.UserID]bot.Choice{}
	for _, v := range r.Votes {
		if votes[v.Round] == nil {
			votes[v.Round] = map[bot.UserID]bot.Choice{}
		}
		votes[v.Round][v.Voter] = v.Choice
	}
	for _, want := range []struct {
		round int
		voter bot.UserID
		c     bot.Choice
	}{
		{1, "shell:ana", bot.Accept}, {1, "shell:bo", bot.Accept}, {1, "shell:chen", bot.Accept},
		{2, "shell:bo", bot.Go}, {2, "shell:dina", bot.Go}, {2, "shell:eli", bot.Go},
	} {
		if got := votes[want.round][want.voter]; got != want.c {
			t.Errorf("round %d: %s voted %q, want %q", want.round, want.voter, got, want.c)
		}
	}
	if len(r.Votes) != 6 {
		t.Errorf("%d votes recorded, want 6: %+v", len(r.Votes), r.Votes)
	}
	if len(r.Groups) != 1 || r.Groups[0].Group != "implementation" || len(r.Groups[0].Claimers) != 1 || r.Groups[0].Claimers[0] != "shell:ivan" {
		t.Errorf("groups %+v, want implementation claimed by ivan", r.Groups)
	}
	seen := map[bot.EventType]bot.UserID{}
	for _, e := range r.Events {
		seen[e.Type] = e.Actor
	}
	for typ, actor := range map[bot.EventType]bot.UserID{
		bot.EvOpened: "shell:rita", bot.EvRoundDecided: "", bot.EvRouted: "shell:ana", bot.EvClaimed: "shell:ivan",
		bot.EvRecommended: "shell:ivan", bot.EvResolved: "shell:sam", bot.EvRated: "shell:rita",
	} {
		if got, ok := seen[typ]; !ok || got != actor {
			t.Errorf("event %s by %q (logged: %v), want by %q", typ, got, ok, actor)
		}
	}
}

func TestRateByCommand(t *testing.T) {
	h := newHarness(t, "")
	h.play(request + `/as ana
/react #1 ✅
/as bo
/react #1 ✅
/as chen
/react #1 ✅
/as ana
/helpdesk route #1 none
/as bo
/react #1 ✅
/as chen
/react #1 ✅
/as dina
/react #1 ✅
/as sam
/helpdesk resolve #1 Done.
`)
	out := h.play("/helpdesk rate #1 4\n")
	wantBlock(t, out, replyTo("rita"), h.text("en", "reply.rated", "id", bot.C("#1"), "n", bot.N(4)))
	if r := h.record(1); r.Case.Rating != 4 || r.Case.Outcome != bot.Resolved {
		t.Errorf("case %s rated %d, want resolved rated 4", r.Case.Outcome, r.Case.Rating)
	}
}

func TestWaitSendsReminders(t *testing.T) {
	h := newHarness(t, "")
	h.play(request + "/as ana\n/react #1 ✅\n")
	out := h.play("/as bo\n/wait 49h\n")
	wantIn(t, out, "bo> /wait 49h\nTime passes… it is now 4 March 2026, 10:00 UTC.\n")
	for _, who := range []string{"bo", "chen", "dina", "eli"} {
		wantBlock(t, out, dmTo(who), "#1", title, h.text("en", "vote.how.initial"))
	}
	if n := len(find(out, dmTo("ana"))); n != 0 {
		t.Errorf("ana, who voted, got %d reminders", n)
	}

	// At the deadline one vote of five is no quorum: the chair decides.
	out = h.play("/wait 5d\n")
	wantBlock(t, out, dmTo("ana"), h.text("en", "dm.escalated", "id", bot.C("#1"), "title", bot.S(title),
		"reason", bot.X(bot.T("reason.no_quorum")), "cmd", bot.C("/helpdesk decide #1 …")))
	wantMatch(t, out, `\[m\d+\] thread t1 · for @ana\n    @ana`)
}

func TestMalformedWait(t *testing.T) {
	h := newHarness(t, "")
	for _, arg := range []string{"soon", "-2h", "0", "", "7 days", "1.5d"} {
		out := h.play("/wait " + arg + "\n")
		wantIn(t, out, "is not a duration. Use a number with a unit: 7d, 49h, 90m or 1h30m.")
		wantNotIn(t, out, "Time passes")
	}
}

// An answer the helpdesk would refuse (too long, or empty and required)
// is refused as it is given, with the helpdesk's reason, and the same
// field is asked again; the answers given before are kept.
func TestOversizedTitleIsAskedAgain(t *testing.T) {
	h := newHarness(t, "")
	long := strings.Repeat("x", 101)
	out := h.play(`/helpdesk request guidance
` + long + `

Short title
` + strings.Repeat("y", 3001) + `
Where do we start?


Next month
`)
	title := h.text("en", "form.field.title") + " (required, at most 100 characters):\n"
	tooLong := h.text("en", "form.error.too_long", "field", bot.X(bot.T("form.field.title")), "max", bot.N(100), "len", bot.N(101))
	required := h.text("en", "form.error.required", "field", bot.X(bot.T("form.field.title")))
	description := h.text("en", "form.field.description") + " (required, at most 3,000 characters):\n"
	wantIn(t, out,
		"rita> "+long+"\n"+tooLong+"\n"+title,
		"rita> \n"+required+"\n"+title,
		"rita> Short title\n"+description,
		"rita> "+strings.Repeat("y", 3001)+"\n"+h.text("en", "form.error.too_long", "field", bot.X(bot.T("form.field.description")), "max", bot.N(3000), "len", bot.N(3001))+"\n"+description,
		"rita> Where do we start?\n",
	)
	// Nothing is asked again at the end.
	wantNotIn(t, out, h.text("en", "shell.form.fix"), h.text("en", "form.error.intro"))
	wantBlock(t, out, replyTo("rita"), h.text("en", "reply.opened", "id", bot.C("#1"), "title", bot.S("Short title")))
	r := h.record(1)
	if r.Case.Title != "Short title" || r.Case.Description != "Where do we start?" || r.Case.Timeline != "Next month" {
		t.Errorf("case %+v: answers lost on the second try", r.Case)
	}
}

// What only the whole form can tell (a working group that does not exist)
// is still told when the form is sent, and only those fields are asked
// again.
func TestFieldsWrongOnlyWhenSentAreAskedAgain(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/as eli\n/helpdesk volunteer\nSwedish, Finnish\nMetadata, Pattypan\nmetadata-group\nimplementation\n")
	wantIn(t, out, "rita> /as eli\n", "eli> metadata-group\n"+h.text("en", "shell.form.fix")+"\n")
	wantIn(t, out, "eli> implementation\n")
	wantBlock(t, out, replyTo("eli"), h.text("en", "reply.volunteered", "cmd", bot.C("/helpdesk experts")))
	if n := strings.Count(out, h.text("en", "form.field.languages")); n != 1 {
		t.Errorf("the languages were asked %d times, want once", n)
	}
}

// In a script, a line starting with # is a comment even while a form is
// open: notes may stand between a form's answers, and are echoed as notes.
// At the terminal the form takes such a line as the answer it is.
func TestCommentsBetweenAFormsAnswers(t *testing.T) {
	h := newHarness(t, "")
	out := h.play(`# rita asks for help
/helpdesk request guidance
# the title
Maps of the town
  # the description, indented
Where do we start?
# the organisation
Town Museum
# no links and no timeline: two empty lines


`)
	wantIn(t, out, "\n# the title\n", "\n# the description, indented\n", "rita> Maps of the town\n", "rita> Where do we start?\n")
	wantNotIn(t, out, "rita> # the title", h.text("en", "form.error.required", "field", bot.X(bot.T("form.field.title"))))
	r := h.record(1)
	if r.Case.Title != "Maps of the town" || r.Case.Description != "Where do we start?" || r.Case.Organisation != "Town Museum" || r.Case.Links != "" || r.Case.Timeline != "" {
		t.Errorf("case %+v: comments were taken for answers", r.Case)
	}

	// At the terminal, a line starting with # answers the form.
	h = newHarness(t, "")
	sh := shell.New(shell.Options{Catalog: h.cat, Clock: shell.NewClock(t0), Roster: demoRoster(), Out: &h.out, Interactive: true})
	h.svc.Attach(shell.Platform, sh)
	h.sh = sh
	h.play("# a comment before the form\n/helpdesk request guidance\n#1 priority: maps\nWhere do we start?\n\n\n\n")
	if r := h.record(1); r.Case.Title != "#1 priority: maps" || r.Case.Description != "Where do we start?" {
		t.Errorf("at the terminal: case %+v", r.Case)
	}
}

func TestFormIsCancelledByACommand(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/helpdesk request guidance\nA title\n/helpdesk mine\n")
	wantIn(t, out, "rita> /helpdesk mine\nThe form was cancelled; nothing was sent.\n")
	wantBlock(t, out, replyTo("rita"), h.text("en", "mine.none", "cmd", bot.C("/helpdesk request")))
	if recs, _ := h.svc.ExportAll(context.Background()); len(recs) != 0 {
		t.Errorf("a cancelled form opened %d cases", len(recs))
	}
}

func TestNonMemberReaction(t *testing.T) {
	h := newHarness(t, "")
	h.play(request)
	out := h.play("/as rita\n/react #1 ✅\n/as cora\n/react #1 ❌\n/react #1 ❌\n")
	notice := h.text("en", "notice.not_member", "id", bot.C("#1"))
	wantBlock(t, out, dmTo("rita"), notice)
	wantBlock(t, out, dmTo("cora"), notice)
	if n := len(find(out, dmTo("cora"))); n != 1 {
		t.Errorf("cora was told %d times, want once", n)
	}
	if n := len(find(out, edited)); n != 0 {
		t.Errorf("the card changed %d times for reactions that do not count", n)
	}
	if r := h.record(1); len(r.Votes) != 0 || r.Case.Stage != bot.InitialReview {
		t.Errorf("votes %+v in stage %s: a non-member's reaction counted", r.Votes, r.Case.Stage)
	}
}

func TestUnknownInput(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/helpdesk frobnicate\n/frobnicate\nhello there\n# a comment\n/react\n/react #1 :no_such_emoji:\n/react #9 ✅\n/react t1 ✅\n/as Not A Name\n/as ${evil}\n")
	wantBlock(t, out, replyTo("rita"), "frobnicate")
	wantIn(t, out,
		"I did not understand '/frobnicate'. Type /help",
		"I did not understand 'hello there'.",
		"\n# a comment\n",
		"rita> /react\nUse /react #N EMOJI",
		"rita> /react t1 ✅\nUse /react #N EMOJI",
		"I do not know the emoji ':no_such_emoji:'",
		"Case #9 has no message where ✅ means something now",
		"Use /as NAME [LANG]",
		"'${evil}' cannot be a name here",
	)
	wantNotIn(t, out, "a comment'")
}

func TestHelpAndQuit(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/HELPDESK\tmine\n/help\n/quit\n/helpdesk status #1\n")
	wantIn(t, out, "/wait DURATION: let time pass", "Goodbye!")
	if n := len(find(out, replyTo("rita"))); n != 1 {
		t.Errorf("%d replies, want 1: the line after /quit was read", n)
	}
}

func TestRequesterTextCannotRepaintTheTerminal(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/helpdesk request other\nEvil \x1b[2J\x1b]0;owned\x07title\u202e\nBody \x1b[31mred\r\n\n\n\n/as \x1b[2Jx\n")
	if strings.ContainsAny(out, "\x1b\r\u202e") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
	wantIn(t, out, "rita> Evil title\n", "rita> Body red\n")
	wantBlock(t, out, committee, "#1", "Evil ")
}

func TestSwedishRequester(t *testing.T) {
	h := newHarness(t, "")
	const kartor = "Kartor över Uppsala"
	out := h.play(`/as rita sv
/helpdesk request media-upload
` + kartor + `
Skannade kartor från stadsarkivet.



# rita stays Swedish after someone else spoke; ana reads English.
/as ana
/react #1 ❓
/as rita
/helpdesk mine
/wait sometime
`)
	c1 := bot.C("#1")
	wantIn(t, out,
		"Du är nu rita (medlem i gemenskapen) och läser svenska.",
		h.text("sv", "form.field.title")+" (obligatoriskt, högst 100 tecken):",
		"You are now ana (chair of the committee), reading English.",
		"”sometime” är ingen tidslängd.",
	)
	wantBlock(t, out, "→ privat svar till rita", h.text("sv", "reply.opened", "id", c1, "title", bot.S(kartor)))
	wantBlock(t, out, `\[m\d+\] direktmeddelande till rita`, h.text("sv", "dm.opened", "id", c1, "title", bot.S(kartor), "type", bot.X(bot.T("type.media-upload"))))
	// The committee channel and the thread stay in the committee's language.
	wantBlock(t, out, committee, h.text("en", "card.title", "id", c1, "title", bot.S(kartor)), h.text("en", "field.requester")+": ")
	wantIn(t, out, "Thread t1 opened on m1: ")
	wantBlock(t, out, "→ privat svar till rita", h.text("sv", "case.line", "id", c1, "title", bot.S(kartor), "stage", bot.X(bot.T("stage.initial_review"))))
	if r := h.record(1); r.Case.Lang != "sv" {
		t.Errorf("case language %q, want sv", r.Case.Lang)
	}
}

func TestLocaleFromTheEnvironment(t *testing.T) {
	h := newHarness(t, "sv-SE")
	out := h.play("/helpdesk request other\nFråga\nHur börjar vi?\n\n\n\n/frobnicate\n")
	wantIn(t, out, h.text("sv", "form.field.title")+" (obligatoriskt", "Jag förstod inte ”/frobnicate”.")
	wantBlock(t, out, committee, h.text("en", "card.title", "id", bot.C("#1"), "title", bot.S("Fråga")))
	if r := h.record(1); r.Case.Lang != "sv" {
		t.Errorf("case language %q, want sv", r.Case.Lang)
	}
}

func TestEnvironmentLocale(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LANG": "sv_SE.UTF-8"}, "sv-SE"},
		{map[string]string{"LANG": "pt_BR@euro"}, "pt-BR"},
		{map[string]string{"LANG": "C.UTF-8"}, ""},
		{map[string]string{"LANG": "POSIX"}, ""},
		{map[string]string{"LC_ALL": "ar_EG.UTF-8", "LANG": "sv_SE.UTF-8"}, "ar-EG"},
		{map[string]string{}, ""},
	} {
		got := shell.LocaleFromEnv(func(k string) string { return tc.env[k] })
		if got != tc.want {
			t.Errorf("LocaleFromEnv(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Kartor över Uppsala", "Kartor över Uppsala"},
		{"newline kept", "a\nb", "a\nb"},
		{"carriage return", "a\r\nb\rc", "a\nbc"},
		{"tab", "a\tb", "a b"},
		{"colour", "\x1b[1;31mred\x1b[0m", "red"},
		{"clear screen", "\x1b[2J\x1b[Hx", "x"},
		{"title by OSC and BEL", "\x1b]0;owned\x07x", "x"},
		{"OSC 8 link with ST", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"two-byte escape", "\x1bcx", "x"},
		{"charset", "\x1b(Bx", "x"},
		{"8-bit CSI", "\u009b2Jx", "x"},
		{"8-bit OSC", "\u009d0;t\u009cx", "x"},
		{"unfinished", "x\x1b[31", "x"},
		{"lone escape", "x\x1b", "x"},
		{"bell and backspace", "a\x07\x08b", "ab"},
		{"bidi override", "abc\u202edef\u2066", "abcdef"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"emoji kept", "✅ 🙋🏽 1️⃣", "✅ 🙋🏽 1️⃣"},
		{"arabic kept", "مرحبا", "مرحبا"},
	} {
		if got := shell.Escape(tc.in); got != tc.want {
			t.Errorf("%s: Escape(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"49h", 49 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"1d12h", 36 * time.Hour, true},
		{" 2d ", 48 * time.Hour, true},
		{"0d", 0, true},
		{"", 0, false},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"-1d", 0, false},
		{"1d-1h", 0, false},
		{"7 days", 0, false},
		{"soon", 0, false},
		{"99999999d", 0, false},
		{"36500d", 36500 * 24 * time.Hour, true},
		{"36500d1ns", 0, false},
		{"36500d2000000h", 0, false},
		{"999999999999h", 0, false},
		{"2562047h", 0, false},
		{"-2562047h", 0, false},
	} {
		got, err := shell.ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestInteractiveWelcomeAndPrompts(t *testing.T) {
	h := newHarness(t, "")
	sh := shell.New(shell.Options{Catalog: h.cat, Clock: shell.NewClock(t0), Roster: demoRoster(), Out: &h.out, Interactive: true})
	h.svc.Attach(shell.Platform, sh)
	h.sh = sh
	out := h.play("/as ana\n")
	wantIn(t, out,
		"Welcome to the helpdesk shell.",
		"Expert Committee: ana (chair of the committee), bo, chen, dina and eli",
		"Working groups: cora (communication) and ivan (implementation)",
		"Helpdesk staff: sam",
		"You are rita (community member)",
		"rita> You are now ana",
		"ana> ",
	)
	wantNotIn(t, out, "rita> /as ana", "Goodbye")
}

func TestContextEndsTheShell(t *testing.T) {
	h := newHarness(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	in, w := io.Pipe()
	defer w.Close()
	done := make(chan error, 1)
	go func() { done <- h.sh.Run(ctx, h.svc, in) }()
	if _, err := io.WriteString(w, "/helpdesk mine\n"); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end with its context")
	}
}

func TestChat(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sh := shell.New(shell.Options{Catalog: cat, Out: &out})
	ctx := context.Background()
	card := bot.Message{Key: "helpdesk-7", Lang: "en", Title: bot.Quoted("A card"), Lines: []bot.Text{bot.Quoted("two\nlines")}}
	ref, err := sh.Post(ctx, bot.Place{Kind: bot.InCommittee}, card)
	if err != nil || ref != "m7" {
		t.Fatalf("Post = %q, %v; want m7", ref, err)
	}
	again, err := sh.Post(ctx, bot.Place{Kind: bot.InCommittee}, card)
	if err != nil || again != ref {
		t.Errorf("Post again = %q, %v; want %s", again, err, ref)
	}
	if n := strings.Count(out.String(), "A card"); n != 1 {
		t.Errorf("a post with a known key printed %d times", n)
	}
	wantIn(t, out.String(), "[m7] committee channel\n    A card\n    two\n    lines\n")

	thread, err := sh.StartThread(ctx, ref, bot.Message{Lang: "en", Title: bot.Quoted("#1 A card")})
	if err != nil || thread != "t7" {
		t.Fatalf("StartThread = %q, %v; want t7", thread, err)
	}
	if again, _ := sh.StartThread(ctx, ref, bot.Message{Lang: "en"}); again != thread {
		t.Errorf("StartThread again = %q, want %s", again, thread)
	}
	for _, e := range []string{"✅", "❌", "❓"} {
		if err := sh.React(ctx, ref, e); err != nil {
			t.Fatal(err)
		}
	}
	ping := bot.Message{Key: "helpdesk-9", Lang: "en", Lines: []bot.Text{bot.T("thread.unreachable", "who", bot.P(bot.Person{ID: "shell:ana", Name: "ana"}))}, Ping: []bot.UserID{"shell:ana"}}
	if _, err := sh.Post(ctx, bot.Place{Kind: bot.InThread, Thread: thread}, ping); err != nil {
		t.Fatal(err)
	}
	if err := sh.Edit(ctx, ref, bot.Message{Lang: "en", Title: bot.Quoted("A card, edited")}); err != nil {
		t.Fatal(err)
	}
	if err := sh.Invite(ctx, thread, "shell:ivan"); err != nil {
		t.Fatal(err)
	}
	if err := sh.Archive(ctx, thread); err != nil {
		t.Fatal(err)
	}
	wantIn(t, out.String(),
		"Thread t7 opened on m7: #1 A card\nm7: ✅ ❌ ❓\n[m9] thread t7 · for @ana\n    @ana, the helpdesk could not send you",
		"[m7] committee channel (edited)\n    A card, edited\n",
		"ivan joined thread t7.",
		"Thread t7 was archived.",
	)

	if _, err := sh.Post(ctx, bot.Place{Kind: bot.InDirect, User: "discord:1"}, bot.Message{Key: "helpdesk-10"}); !errors.Is(err, bot.ErrUnreachable) {
		t.Errorf("DM to a Discord user: %v, want ErrUnreachable", err)
	}
	if _, err := sh.Post(ctx, bot.Place{Kind: bot.InThread}, bot.Message{Key: "helpdesk-11"}); !errors.Is(err, bot.ErrGone) {
		t.Errorf("post in no thread: %v, want ErrGone", err)
	}
	if err := sh.Edit(ctx, "nonsense", bot.Message{}); !errors.Is(err, bot.ErrGone) {
		t.Errorf("edit of a foreign ref: %v, want ErrGone", err)
	}
}

func TestRunningClockRunsAndWaitsAdd(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := shell.NewRunningClock(start)
	time.Sleep(20 * time.Millisecond)
	if got := c.Now(); !got.After(start) {
		t.Fatalf("a running clock stood still at %v", got)
	}
	before := c.Now()
	if got := c.Advance(49 * time.Hour); got.Sub(before) < 49*time.Hour {
		t.Fatalf("advanced from %v to %v, want at least 49h", before, got)
	}
	frozen := shell.NewClock(start)
	time.Sleep(5 * time.Millisecond)
	if got := frozen.Now(); !got.Equal(start) {
		t.Fatalf("a script's clock moved to %v", got)
	}
}

func TestArabicRequester(t *testing.T) {
	h := newHarness(t, "")
	const title = "Scans of Tangier maps" // Latin text inside Arabic messages
	out := h.play(`/as rita ar
/helpdesk request media-upload
` + title + `
خرائط طنجة القديمة، 300 صورة.



/as ana
/react #1 ❓
/as bo
/react #1 ❓
/as chen
/react #1 ❓
/as rita
/helpdesk status #١
`)
	c1 := bot.C("#1")
	// rita reads Arabic: the form, the reply, the private messages.
	wantIn(t, out,
		h.text("ar", "form.field.title"),
		h.text("ar", "reply.opened", "id", c1, "title", bot.S(title)),
		h.text("ar", "dm.opened", "id", c1, "title", bot.S(title), "type", bot.X(bot.T("type.media-upload"))),
		h.text("ar", "dm.needs_info", "id", c1, "title", bot.S(title)),
		h.text("ar", "status.title", "id", c1, "title", bot.S(title), "type", bot.X(bot.T("type.media-upload"))),
	)
	// Her title and the case number keep their order inside the Arabic line.
	if !strings.Contains(out, "\u2068"+title+"\u2069") || !strings.Contains(out, "\u2066#1\u2069") {
		t.Error("the Latin title or the case number is not isolated in the Arabic text")
	}
	// The committee reads English, with no isolates.
	wantBlock(t, out, committee, h.text("en", "card.title", "id", c1, "title", bot.S(title)))
	wantBlock(t, out, `\[m\d+\] thread t1`, h.text("en", "thread.info_needed", "cmd", bot.C("/helpdesk ask #1")))
	if r := h.record(1); r.Case.Lang != "ar" || r.Case.Stage != bot.NeedsInfo {
		t.Errorf("case %s in %q, want needs_info in ar", r.Case.Stage, r.Case.Lang)
	}
}

// A /react target is echoed only when it is an id the shell printed: a
// terminal escape sequence typed as a target never reaches the terminal.
func TestReactTargetIsNotEchoedRaw(t *testing.T) {
	h := newHarness(t, "")
	out := h.play("/as ana\n/react m1\x1b]0;pwned\x07\x1b[2J ✅\n/react m1.x ✅\n")
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\x07") {
		t.Fatalf("an escape sequence reached the terminal: %q", out)
	}
	wantIn(t, out, h.text("en", "shell.react.usage"))
}
