package mattermost_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/locales"
)

func scans() map[string]any {
	return map[string]any{
		"title":        "300 scans from the city archive",
		"description":  "Scans of 19th-century maps, public domain.",
		"organisation": "City archive",
		"links":        "https://example.org/maps",
		"timeline":     "spring",
	}
}

func TestCaseFromDialogToResolution(t *testing.T) {
	h := MustStart(t)
	cmd := h.fake.Command("helpdesk")
	if cmd == nil || !cmd.AutoComplete || !strings.HasSuffix(cmd.URL, mattermost.CommandPath) {
		t.Fatalf("command not in place: %+v", cmd)
	}

	sub := h.request("ana", "media-upload", scans())
	if sub.Status != 200 || len(sub.Response.Errors) > 0 || sub.Response.Error != "" {
		t.Fatalf("submission answered %d %+v", sub.Status, sub.Response)
	}
	d := h.fake.Dialogs()[0].Request.Dialog
	if d.Title != h.say("en", "form.request.short") || d.Elements[0].Name != "type" || d.Elements[0].Type != "select" || d.Elements[0].Default != "media-upload" {
		t.Errorf("dialog: %+v", d)
	}
	for _, e := range d.Elements[1:] {
		if e.MaxLength == 0 {
			t.Errorf("field %s has no MaxLength", e.Name)
		}
	}

	card := h.card(1)
	if !strings.Contains(card.Message, "300 scans from the city archive") || card.GetProp(mattermost.KeyProp) == nil {
		t.Errorf("card: %q props %v", card.Message, card.GetProps())
	}
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.dm("ana", "#1")

	// The committee accepts.
	for _, who := range []string{"bea", "carl", "dan"} {
		h.react(who, card.Id, "white_check_mark")
	}
	routing := h.reply(card.Id, "which working groups")
	h.botReacted(routing.Id, "hammer_and_wrench", "fast_forward")
	h.dm("ana", "accepted")

	// Routed to implementation: the group's card links the thread.
	h.react("dan", routing.Id, "hammer_and_wrench")
	var gcard string
	h.eventually("group card", func() bool {
		ps := h.fake.Posts(h.groupCh["implementation"])
		if len(ps) > 0 {
			gcard = ps[0].Id
		}
		return gcard != ""
	})
	msg := h.message(gcard, "/wmse/pl/"+card.Id)
	if !strings.Contains(msg, "["+h.say("en", "link.thread")+"](") {
		t.Errorf("group card does not link the thread: %q", msg)
	}
	h.botReacted(gcard, "raising_hand")

	// gus claims and is brought into the thread.
	h.react("gus", gcard, "raising_hand")
	h.reply(card.Id, "took the case up")
	h.eventually("gus follows the thread", func() bool {
		for _, f := range h.fake.Follows() {
			if f.User == h.users["gus"] && f.Thread == card.Id {
				return true
			}
		}
		return false
	})
	if !h.fake.IsMember(h.comm, h.users["gus"]) {
		t.Error("gus was not added to the committee channel")
	}

	res := h.command("gus", "recommend #1 Upload them with Pattypan.")
	if !strings.Contains(res.Response.Text, "#1") || res.Response.ResponseType != "ephemeral" {
		t.Errorf("recommend answered %+v", res.Response)
	}
	vote := h.reply(card.Id, "final go, round 2")
	h.botReacted(vote.Id, "white_check_mark", "x", "leftwards_arrow_with_hook")
	for _, who := range []string{"bea", "carl", "dan"} {
		h.react(who, vote.Id, "white_check_mark")
	}
	h.dm("ana", "final go")

	res = h.command("sam", "resolve #1 Uploaded 300 maps to Commons.")
	if !strings.Contains(res.Response.Text, "#1") {
		t.Errorf("resolve answered %q", res.Response.Text)
	}
	h.dm("ana", "is resolved")
	h.message(card.Id, h.say("en", "outcome.resolved"))
	for _, c := range h.fake.Calls() {
		if c.Pattern == "POST /api/v4/posts/ephemeral" {
			t.Error("the adapter relied on ephemeral posts")
		}
	}
}

func TestForgedCallbacksAreRefused(t *testing.T) {
	h := MustStart(t)
	res, err := h.fake.RunCommand(h.users["ana"], h.town, "help", "not-the-token")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusUnauthorized {
		t.Errorf("wrong token: status %d, want 401", res.Status)
	}
	if strings.Contains(h.log.String(), "not-the-token") {
		t.Error("the wrong token was logged")
	}

	// rita opens a form; ana replays its state as her own; a forged state.
	open := h.command("rita", "request guidance")
	d, _ := h.fake.DialogFor(open.Trigger)
	for _, tc := range []struct {
		name, user, state string
	}{
		{"another user's state", "ana", ""},
		{"forged state", "rita", "eyJ1IjoiIn0.AAAA"},
	} {
		sub, err := h.fake.Submit(d, h.users[tc.user], h.town, scans(), tc.state)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Status != 200 || sub.Response.Error != h.say("en", "form.expired", "cmd", bot.C("/helpdesk request")) {
			t.Errorf("%s: answered %d %+v", tc.name, sub.Status, sub.Response)
		}
	}
	if !strings.Contains(h.log.String(), "dialog submission refused") {
		t.Error("refusals not logged")
	}
	// rita's own submission goes through once; a replay is refused.
	if sub, _ := h.fake.Submit(d, h.users["rita"], h.town, scans(), ""); sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("rita's submission: %+v", sub.Response)
	}
	if sub, _ := h.fake.Submit(d, h.users["rita"], h.town, scans(), ""); sub.Response.Error == "" {
		t.Error("a replayed submission was accepted")
	}
	h.card(1)
	time.Sleep(100 * time.Millisecond)
	roots := 0
	for _, p := range h.fake.Posts(h.comm) {
		if p.RootId == "" {
			roots++
		}
	}
	if roots != 1 {
		t.Errorf("%d cards, want 1", roots)
	}
}

func TestRequestWithoutTypeAsksInTheDialog(t *testing.T) {
	h := MustStart(t)
	sub := h.request("rita", "", scans())
	if sub.Response.Errors["type"] == "" {
		t.Errorf("a request without a type was taken: %+v", sub.Response)
	}
	d := h.fake.Dialogs()[0]
	if sel := d.Request.Dialog.Elements[0]; sel.Name != "type" || sel.Optional || len(sel.Options) != len(bot.RequestTypes) {
		t.Errorf("type select: %+v", sel)
	}
	vals := scans()
	vals["type"] = "contacts"
	if sub, _ := h.fake.Submit(d, h.users["rita"], h.town, vals, ""); sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("with a type: %+v", sub.Response)
	}
	h.message(h.card(1).Id, h.say("en", "type.contacts"))
}

func TestOversizedFieldIsAnsweredWithItsError(t *testing.T) {
	h := MustStart(t)
	vals := scans()
	vals["title"] = strings.Repeat("x", 101)
	sub := h.request("ana", "guidance", vals)
	if sub.Status != 200 || sub.Response.Errors["title"] == "" || len(sub.Response.Errors) != 1 {
		t.Fatalf("answered %d %+v, want an error on title", sub.Status, sub.Response)
	}
	if !strings.Contains(sub.Response.Errors["title"], "100") {
		t.Errorf("title error %q does not give the limit", sub.Response.Errors["title"])
	}
	// Corrected, the same dialog goes through.
	d := h.fake.Dialogs()[0]
	vals["title"] = "Maps"
	vals["type"] = "guidance"
	if sub, _ := h.fake.Submit(d, h.users["ana"], h.town, vals, ""); len(sub.Response.Errors) > 0 || sub.Response.Error != "" {
		t.Errorf("corrected submission: %+v", sub.Response)
	}
	h.card(1)
}

func TestReactionBurstIsCoalesced(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	time.Sleep(1200 * time.Millisecond) // the card's first refreshes are done
	before := h.fake.Count("PUT /api/v4/posts/{id}/patch")
	// carl changes his mind again and again, ending on ❌.
	h.react("carl", card.Id, "x")
	for range 8 {
		h.react("carl", card.Id, "question")
		h.fake.Unreact(h.users["carl"], card.Id, "x")
		h.react("carl", card.Id, "x")
		h.fake.Unreact(h.users["carl"], card.Id, "question")
	}
	const tally = "✅ 0 · ❌ 1 · ❓ 0: 1 of 3 members have voted"
	h.message(card.Id, tally)
	time.Sleep(1500 * time.Millisecond)
	patches := h.fake.Count("PUT /api/v4/posts/{id}/patch") - before
	if patches > 4 {
		t.Errorf("%d edits for a burst of 33 reactions, want a few", patches)
	}
	if msg := h.fake.Post(card.Id).Message; !strings.Contains(msg, tally) {
		t.Errorf("final tally: %q", msg)
	}
}

func TestWebSocketDroppedMidVote(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3 members")

	h.fake.DropWebSockets(true)
	h.eventually("disconnected", func() bool { return h.fake.Connected() == 0 })
	// While the bot is away: carl votes, bea takes hers back and votes ❓.
	h.react("carl", card.Id, "white_check_mark")
	h.fake.Unreact(h.users["bea"], card.Id, "white_check_mark")
	h.react("bea", card.Id, "question")
	time.Sleep(300 * time.Millisecond)
	h.fake.AllowWebSockets()
	h.eventually("reconnected", func() bool { return h.fake.Connected() == 1 })
	h.message(card.Id, "✅ 1 · ❌ 0 · ❓ 1: 2 of 3 members have voted")
	if n := h.fake.WebSocketConnects(); n < 2 {
		t.Errorf("%d connects", n)
	}
	// A reaction after the reconnect counts, once: two of three accept.
	h.react("dan", card.Id, "white_check_mark")
	h.reply(card.Id, "which working groups")
	h.message(card.Id, h.say("en", "stage.routing"))
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	h := MustStart(t)
	h.fake.FailNext("POST /api/v4/reactions", http.StatusTooManyRequests, 2, http.Header{"X-Ratelimit-Reset": {"1"}, "X-Ratelimit-Remaining": {"0"}})
	start := time.Now()
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	if d := time.Since(start); d < 2*time.Second {
		t.Errorf("done in %s: the reset was not waited for", d)
	}
	// A long limit is not waited inside the call: the outbox tries again
	// once the time Mattermost asked for has passed, not sooner.
	h.fake.FailNext("PUT /api/v4/posts/{id}/patch", http.StatusTooManyRequests, 1, http.Header{"Retry-After": {"6"}})
	limited := time.Now()
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3 members")
	if d := time.Since(limited); d < 6*time.Second {
		t.Errorf("the card was edited again %s after a 429 asking for 6 s", d)
	}
	if !strings.Contains(h.log.String(), "rate limited") {
		t.Error("the long limit was not reported")
	}
}

func TestMentionsInUserTextNeverNotify(t *testing.T) {
	h := MustStart(t)
	vals := scans()
	vals["title"] = "@channel **urgent** [click](http://x) @here"
	vals["organisation"] = "# @all ~town-square"
	h.request("ana", "other", vals)
	card := h.card(1)
	for _, m := range []string{"@channel", "@here", "@all", "**urgent**", "[click]"} {
		if strings.Contains(card.Message, m) {
			t.Errorf("card contains %q: %q", m, card.Message)
		}
	}
	if !strings.Contains(card.Message, "@\u200dchannel") {
		t.Errorf("card lost the words: %q", card.Message)
	}
	dm := h.dm("ana", "#1")
	if strings.Contains(dm.Message, "@channel") {
		t.Errorf("DM mentions: %q", dm.Message)
	}
}

func TestSwedishLocaleReadsSwedish(t *testing.T) {
	h := MustStart(t)
	res := h.command("sofia", "help")
	if want := h.say("sv", "help.intro"); !strings.Contains(res.Response.Text, want[:20]) {
		t.Errorf("help for sofia: %q, want Swedish %q", res.Response.Text, want)
	}
	h.request("sofia", "guidance", scans())
	d := h.fake.Dialogs()[0].Request.Dialog
	if d.Title != h.say("sv", "form.request.short") || d.SubmitLabel != h.say("sv", "form.submit") {
		t.Errorf("dialog for sofia: %q %q", d.Title, d.SubmitLabel)
	}
	h.dm("sofia", "#1")
	msgs := h.fake.Posts(mmtest.DirectChannel(h.fake.BotID, h.users["sofia"]))
	if !strings.Contains(msgs[0].Message, h.say("sv", "dm.opened", "title", bot.S("300 scans from the city archive"), "type", bot.X(bot.T("type.guidance")), "id", bot.C("#1"))[:15]) {
		t.Errorf("DM to sofia: %q", msgs[0].Message)
	}
	// A language chosen with /helpdesk language wins over the locale.
	h.command("sofia", "language en")
	if res := h.command("sofia", "help"); !strings.Contains(res.Response.Text, h.say("en", "help.intro")[:20]) {
		t.Errorf("after choosing English: %q", res.Response.Text)
	}
}

func TestCommandCreationForbidden(t *testing.T) {
	fake := mmtest.New(testToken, "wmse")
	defer fake.Close()
	fake.Forbid("GET /api/v4/commands")
	fake.Forbid("POST /api/v4/commands")
	fake.AddChannel("expert-committee", true)
	for _, g := range bot.DefaultGroups {
		fake.AddChannel("wg-"+g.ID, true)
	}
	// Without a command_token, start-up says what to do.
	err := startOnly(t, fake, "")
	if err == nil || !strings.Contains(err.Error(), "command_token") {
		t.Errorf("start-up error %v, want one naming command_token", err)
	}
	// With an admin's command, it runs and checks that token.
	if err := startOnly(t, fake, fake.AddCommand("helpdesk", "http://x/mattermost/command")); err != nil {
		t.Errorf("with command_token: %v", err)
	}
}

// Start-up checks that the bot is a member of every channel it posts in,
// and names the key to fix: Mattermost would refuse every post there.
func TestStartUpRefusesAChannelTheBotIsNotIn(t *testing.T) {
	fake := mmtest.New(testToken, "wmse")
	defer fake.Close()
	fake.AddChannel("expert-committee", true)
	for _, g := range bot.DefaultGroups {
		fake.AddChannel("wg-"+g.ID, g.ID != "planning") // the bot is not in wg-planning
	}
	err := startOnly(t, fake, "")
	if err == nil || !strings.Contains(err.Error(), "groups.planning") || !strings.Contains(err.Error(), "not a member") {
		t.Fatalf("start-up error %v, want one naming groups.planning and membership", err)
	}
}

// A public channel as a role source would let anyone who joins it take the
// role: start-up refuses it, naming the key.
func TestStartUpRefusesAPublicChannelAsARoleSource(t *testing.T) {
	fake := mmtest.New(testToken, "wmse")
	defer fake.Close()
	fake.AddChannel("expert-committee", true)
	for _, g := range bot.DefaultGroups {
		fake.AddChannel("wg-"+g.ID, true)
	}
	fake.AddChannel("open-staff", true)
	err := startWith(t, fake, func(o *mattermost.Options) { o.Staff = []string{"~open-staff"} })
	if err == nil || !strings.Contains(err.Error(), "staff") || !strings.Contains(err.Error(), "public channel") {
		t.Fatalf("start-up error %v, want one naming staff and the public channel", err)
	}
}

// A card deleted by hand while the bot runs: Mattermost deletes its
// replies with it and says post_deleted; the bot posts the card again, the
// thread moves to it with the case so far, and the votes held still count.
func TestDeletedCardIsPostedAgain(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3")
	h.fake.DeletePost(card.Id) // with its thread; nobody reacts after
	again := h.card(2)
	h.botReacted(again.Id, "white_check_mark", "x", "question")
	h.message(again.Id, "1 of 3")
	h.reply(again.Id, "its thread went with it") // the thread moved to the new card, with the case so far
	h.react("dan", again.Id, "white_check_mark") // bea's vote still counts: 2 of 3 accept
	h.reply(again.Id, "which working groups")
	if n := h.count(card.Id); n != 0 {
		t.Fatalf("%d posts made in the deleted card's thread", n)
	}
}

// count is the number of live replies to a root post.
func (h *harness) count(root string) int {
	n := 0
	for _, p := range h.fake.Replies(root) {
		if p.DeleteAt == 0 {
			n++
		}
	}
	return n
}

// A card deleted while the bot is down: Mattermost still answers for its
// reactions, so only reading the post tells the bot at reconnect that it is
// gone; the card is posted again with its votes.
func TestCardDeletedWhileTheBotWasDownIsPostedAgain(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3")
	h.cancel()
	<-h.done
	h.fake.DeletePost(card.Id) // nobody is listening
	h.boot()
	again := h.card(2)
	h.botReacted(again.Id, "white_check_mark", "x", "question")
	h.message(again.Id, "1 of 3")
	h.reply(again.Id, "its thread went with it")
	h.react("carl", again.Id, "white_check_mark")
	h.reply(again.Id, "which working groups")
}

// Two helpdesks on fresh databases, sharing one bot account and server,
// started seconds apart: their outbox row ids are the same, and Mattermost
// remembers pending post ids for 30 s across channels. Each sees only its
// own posts, and never edits the other's.
func TestTwoHelpdesksOnFreshDatabasesSeeOnlyTheirOwnPosts(t *testing.T) {
	a := MustStart(t)
	a.request("ana", "media-upload", scans())
	cardA := a.card(1)
	a.botReacted(cardA.Id, "white_check_mark", "x", "question")
	dmA := a.dm("ana", "#1")

	b := a.twin() // takes over the /helpdesk command
	b.request("rita", "guidance", map[string]any{"title": "How to start", "description": "A museum asks how to begin."})
	cardB := b.card(2)
	if cardB.Id == cardA.Id || !strings.Contains(cardB.Message, "How to start") {
		t.Fatalf("the second helpdesk's card is %s %q", cardB.Id, cardB.Message)
	}
	b.botReacted(cardB.Id, "white_check_mark", "x", "question")
	dmB := b.dm("rita", "#1")
	if dmB.Id == dmA.Id {
		t.Fatal("the second helpdesk's DM is the first one's")
	}
	b.react("bea", cardB.Id, "white_check_mark")
	b.message(cardB.Id, "1 of 3")
	a.react("carl", cardA.Id, "x")
	a.message(cardA.Id, "1 of 3")
	if got := a.fake.Post(cardA.Id).Message; !strings.Contains(got, "Scans") || strings.Contains(got, "How to start") {
		t.Fatalf("the first card was changed by the other helpdesk: %q", got)
	}
}

// A post Mattermost returns for a create that is not the one asked for (a
// pending id another program used, in another channel) is not adopted: the
// card is posted anyway, and the other post is never edited.
func TestAPostReturnedForAnotherChannelIsNotAdopted(t *testing.T) {
	h := MustStart(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	var inst string
	err = st.View(ctx, func(tx bot.Tx) error { inst, err = tx.Installation(); return err })
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var others []string
	for i := 1; i <= 20; i++ { // whatever row the card is
		pending := fmt.Sprintf("%s:helpdesk-%s-%d", h.fake.BotID, inst, i)
		others = append(others, h.fake.CreatePostAs(h.users["ana"], h.town, "someone else's post", pending))
	}
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	if card.UserId != h.fake.BotID {
		t.Fatalf("the card is %s's post", card.UserId)
	}
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3")
	for _, id := range others {
		if p := h.fake.Post(id); p.Message != "someone else's post" || p.EditAt != 0 {
			t.Fatalf("another's post was edited: %q", p.Message)
		}
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain words", "plain words"},
		{"@channel", "@\u200dchannel"},
		{"*bold* _it_ `code`", `\*bold\* \_it\_ \` + "`" + `code\` + "`"},
		{"# title", `\# title`},
		{"1. first\n- second", "1\\. first\n\\- second"},
		{"[a](b)", `\[a\](b)`},
		{"a\u202eb\x1b", "ab"},
		{"> quote", `\> quote`},
		{"text\n    indented code", "text\n\u00a0\u00a0\u00a0\u00a0indented code"},
		{"\tx", "\u00a0x"},
		{":white_check_mark: yes", ":\u200dwhite\\_check\\_mark: yes"},
		{"at 10:30, see https://x.org/a:b", "at 10:30, see https://x.org/a:b"},
	} {
		if got := mattermost.Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLostAnswerDoesNotPostTwice(t *testing.T) {
	h := MustStart(t)
	h.fake.FailAfter("POST /api/v4/posts", http.StatusBadGateway, 1) // the card is made, the answer lost
	h.fake.FailNext("POST /api/v4/posts", http.StatusServiceUnavailable, 1, nil)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	h.dm("ana", "#1")
	roots := 0
	for _, p := range h.fake.Posts(h.comm) {
		if p.RootId == "" {
			roots++
		}
	}
	if roots != 1 {
		t.Errorf("%d cards, want 1", roots)
	}
	if h.fake.Count("GET /api/v4/channels/{id}/posts") == 0 {
		t.Error("the adapter did not look for the post it may have made")
	}
}

func TestInviteMentionsWhereFollowingIsForbidden(t *testing.T) {
	h := MustStart(t, func(_ *mattermost.Options, f *mmtest.Server) {
		f.Forbid("PUT /api/v4/users/{user}/teams/{team}/threads/{thread}/following")
	})
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	for _, who := range []string{"bea", "carl", "dan"} {
		h.react(who, card.Id, "white_check_mark")
	}
	routing := h.reply(card.Id, "which working groups")
	h.botReacted(routing.Id, "hammer_and_wrench")
	h.react("bea", routing.Id, "hammer_and_wrench")
	var gcard string
	h.eventually("group card", func() bool {
		if ps := h.fake.Posts(h.groupCh["implementation"]); len(ps) > 0 {
			gcard = ps[0].Id
		}
		return gcard != ""
	})
	h.botReacted(gcard, "raising_hand")
	h.react("gus", gcard, "raising_hand")
	h.reply(card.Id, "@gus")
	h.reply(card.Id, "took the case up")
}

// A private committee channel is never opened to a claimer: it would show
// them every case. They follow their case with status (and the group's
// card); the thread says who took it up.
func TestClaimingDoesNotOpenAPrivateCommitteeChannel(t *testing.T) {
	h := MustStart(t)
	h.fake.MakePrivate(h.comm)
	h.restart() // the bot reads the channel's type at start
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	for _, who := range []string{"bea", "carl"} {
		h.react(who, card.Id, "white_check_mark")
	}
	routing := h.reply(card.Id, "which working groups")
	h.botReacted(routing.Id, "hammer_and_wrench")
	h.react("bea", routing.Id, "hammer_and_wrench")
	var gcard string
	h.eventually("group card", func() bool {
		if ps := h.fake.Posts(h.groupCh["implementation"]); len(ps) > 0 {
			gcard = ps[0].Id
		}
		return gcard != ""
	})
	h.botReacted(gcard, "raising_hand")
	h.react("gus", gcard, "raising_hand")
	h.reply(card.Id, "took the case up")
	if h.fake.IsMember(h.comm, h.users["gus"]) {
		t.Fatal("gus was added to the private committee channel")
	}
	if res := h.command("gus", "status #1"); !strings.Contains(res.Response.Text, "#1") {
		t.Fatalf("gus cannot follow his case: %q", res.Response.Text)
	}
}

func TestVolunteerDialog(t *testing.T) {
	h := MustStart(t)
	res := h.command("rita", "volunteer")
	d, ok := h.fake.DialogFor(res.Trigger)
	if !ok || d.Invalid != nil || d.Request.Dialog.Title != h.say("en", "form.volunteer.short") {
		t.Fatalf("volunteer dialog: %v %+v", ok, d)
	}
	vals := map[string]any{"languages": "sv, en", "skills": "metadata", "groups": "implementation, knitting"}
	sub, err := h.fake.Submit(d, h.users["rita"], h.town, vals, "")
	if err != nil || sub.Response.Errors["groups"] == "" {
		t.Fatalf("unknown group: %v %+v", err, sub.Response)
	}
	vals["groups"] = "implementation"
	if sub, _ := h.fake.Submit(d, h.users["rita"], h.town, vals, ""); sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("volunteer: %+v", sub.Response)
	}
	h.dm("rita", "/helpdesk experts")
}

func TestRestartKeepsDialogsAndWork(t *testing.T) {
	h := MustStart(t)
	open := h.command("ana", "request funding")
	d, _ := h.fake.DialogFor(open.Trigger)
	h.restart()
	// The dialog opened before the restart is still good: the key comes
	// from the token. Its URL is the old listener's, so send it to the new.
	d.Request.URL = h.fake.Command("helpdesk").URL[:len(h.fake.Command("helpdesk").URL)-len(mattermost.CommandPath)] + mattermost.DialogPath
	sub, err := h.fake.Submit(d, h.users["ana"], h.town, scans(), "")
	if err != nil || sub.Response.Error != "" || len(sub.Response.Errors) > 0 {
		t.Fatalf("submission after a restart: %v %+v", err, sub.Response)
	}
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	// The same submission replayed after another restart (the in-memory
	// record of used states is gone) opens no second case.
	h.restart()
	d.Request.URL = h.fake.Command("helpdesk").URL[:len(h.fake.Command("helpdesk").URL)-len(mattermost.CommandPath)] + mattermost.DialogPath
	if again, err := h.fake.Submit(d, h.users["ana"], h.town, scans(), ""); err != nil || (again.Response.Error == "" && len(again.Response.Errors) == 0) {
		t.Errorf("a replay after a restart was accepted: %v %+v", err, again)
	}
	if n := len(h.fake.Posts(h.comm)); n != 1 {
		t.Fatalf("%d cards after a replay, want 1", n)
	}
	// Work left in the outbox when the helpdesk stops is done after it
	// starts again, once.
	h.react("bea", card.Id, "white_check_mark")
	h.restart()
	h.react("carl", card.Id, "question")
	h.message(card.Id, "✅ 1 · ❌ 0 · ❓ 1: 2 of 3 members have voted")
	if n := len(h.fake.Posts(h.comm)); n != 1 {
		t.Errorf("%d posts in the committee channel, want the card only", n)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	h := MustStart(t)
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")
	time.Sleep(1200 * time.Millisecond)
	before := h.fake.Count("PUT /api/v4/posts/{id}/patch")
	h.fake.FailNext("PUT /api/v4/posts/{id}/patch", http.StatusBadGateway, 2, nil)
	h.react("bea", card.Id, "white_check_mark")
	h.message(card.Id, "1 of 3")
	if n := h.fake.Count("PUT /api/v4/posts/{id}/patch") - before; n != 3 {
		t.Errorf("%d edit requests, want 2 failures and 1 success", n)
	}
}

func TestLongMessagesAreSplit(t *testing.T) {
	h := MustStart(t)
	long := strings.Repeat("Lorem ipsum dolor sit amet. ", 1000) // 28,000 characters
	m := bot.Message{Key: "test-long", Lang: "en", Title: bot.T("card.more_in_thread"), Lines: []bot.Text{bot.Quoted(long)}}
	ref, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m)
	if err != nil {
		t.Fatal(err)
	}
	replies := h.fake.Replies(ref)
	if len(replies) != 1 || !strings.Contains(replies[0].Message, h.say("en", "card.continued")) {
		t.Fatalf("replies: %d", len(replies))
	}
	if !strings.Contains(h.fake.Post(ref).Message, h.say("en", "card.more_in_thread")) {
		t.Error("the first part does not say the rest is in the thread")
	}
	// Posted again with the same key, nothing new is posted.
	again, err := h.ad.Post(t.Context(), bot.Place{Kind: bot.InCommittee}, m)
	if err != nil || again != ref || len(h.fake.Posts(h.comm)) != 2 {
		t.Errorf("repeated post: %v %s, %d posts", err, again, len(h.fake.Posts(h.comm)))
	}
	if err := h.ad.Edit(t.Context(), ref, m); err != nil {
		t.Errorf("edit with a long message: %v", err)
	}
}

// A weak dialog secret is refused: a dialog's signed state is in every
// dialog a person opens, and a short key is found from it offline.
func TestWeakDialogSecretIsRefused(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := bot.New(nil, nil, cat, bot.Config{})
	opts := func(secret string) mattermost.Options {
		return mattermost.Options{URL: "http://mm", Token: testToken, Team: "t", CommitteeChannel: "c",
			GroupChannels: map[string]string{"communication": "a", "planning": "b", "implementation": "c", "evaluation": "d", "content-use": "e", "materials": "f"},
			Listen:        ":0", CallbackURL: "http://bot", DialogSecret: secret, Service: svc, Catalog: cat}
	}
	for _, weak := range []string{"abcd", strings.Repeat("ab", 40), "password123password123password123", "0123456789012345678901234567890123456789"} {
		if _, err := mattermost.New(opts(weak)); err == nil || !strings.Contains(err.Error(), "dialog_secret") {
			t.Errorf("secret %q: %v, want a refusal naming dialog_secret", weak, err)
		}
	}
	for _, strong := range []string{"", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "kX3v9Qz_7Lm2Rt8Wp4Yb6Nc1Hd5Jf0Gs3Ae9Ku2Mo7Vi"} {
		if _, err := mattermost.New(opts(strong)); err != nil {
			t.Errorf("secret %q refused: %v", strong, err)
		}
	}
}

// Votes that meet a database locked by another process for longer than
// the store waits are kept and counted once it is free, in order; none is
// dropped until a reconnect.
func TestReactionsWaitForABusyDatabase(t *testing.T) {
	h := MustStart(t)
	h.busy = 100 * time.Millisecond
	h.restart()
	h.request("ana", "media-upload", scans())
	card := h.card(1)
	h.botReacted(card.Id, "white_check_mark", "x", "question")

	other, err := sql.Open("sqlite", h.db+"?_pragma=busy_timeout(5000)") // waits for the bot's own writes
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	h.react("bea", card.Id, "x")
	h.fake.Unreact(h.users["bea"], card.Id, "x") // bea changes her mind: in order, this stays undone
	h.react("bea", card.Id, "white_check_mark")
	h.react("carl", card.Id, "white_check_mark")
	h.eventually("the busy database noticed", func() bool { return strings.Contains(h.log.String(), "database is busy") })
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	h.reply(card.Id, "which working groups") // bea and carl: accepted
	if m := h.fake.Post(card.Id).Message; strings.Contains(m, "❌ 1") {
		t.Fatalf("bea's taken-back ❌ counts: %s", m)
	}
}
