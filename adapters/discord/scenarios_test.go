package discord

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"

	"github.com/bwmarrin/discordgo"
)

func TestGatewayDroppedMidVote(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Letters")
	h.vote(card, "✅", ana)
	h.eventually("ana's vote", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 0, 0, 1, 5)) })

	f.DropGateway()
	// While the bot is away: ana takes her vote back, bo and chen vote.
	f.Unreact(ana, card, "✅", true)
	f.React(bo, card, "✅", true)
	f.React(chen, card, "❌", true)
	f.WaitReady(t) // discordgo reconnects and resumes
	h.eventually("the tally after the reconnect", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 1, 0, 2, 5)) })
	if f.Resumes() == 0 {
		t.Errorf("the bot did not resume")
	}
	// Live events still count, once.
	h.vote(card, "✅", dina)
	h.eventually("dina's vote", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 1, 0, 3, 5)) })
}

func TestRemoveRightAfterAdd(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Order")
	for i := 0; i < 20; i++ {
		for _, u := range []string{ana, bo, chen, dina} {
			f.React(u, card, "❌", false)
			f.Unreact(u, card, "❌", false)
		}
	}
	h.vote(card, "❓", eli)
	h.eventually("eli's vote alone", func() bool { return strings.Contains(h.cardText(card), h.tally(0, 0, 1, 1, 5)) })
	time.Sleep(1200 * time.Millisecond)
	if got := h.cardText(card); !strings.Contains(got, h.tally(0, 0, 1, 1, 5)) {
		t.Errorf("phantom votes: %q", got)
	}
}

func TestRateLimitedPost(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	// The first card post is told to wait 0.3 s: the adapter waits and
	// posts once.
	f.Fail("POST", "/channels/"+committeeCh+"/messages", 429, 0, 1, 0.3)
	h := newHarness(t, f)
	start := time.Now()
	card := h.request(rita, "Patience")
	if n := len(f.MessagesIn(committeeCh)); n != 1 {
		t.Errorf("%d cards, want 1", n)
	}
	var posts []discordtest.Call
	for _, c := range f.Calls("POST", "/channels/"+committeeCh+"/messages") {
		if strings.HasSuffix(c.Path, "/messages") {
			posts = append(posts, c)
		}
	}
	if len(posts) != 2 || posts[1].At.Sub(posts[0].At) < 300*time.Millisecond {
		t.Errorf("posts: %d, the second %v after the first", len(posts), posts[len(posts)-1].At.Sub(posts[0].At))
	}
	_ = card

	// A long 429 gives the work back to the outbox instead of blocking it,
	// and the outbox tries again once Discord's Retry-After has passed, not
	// sooner; a 500 then is retried too; the next attempt lands.
	f.Fail("POST", "/channels/"+card+"/messages", 429, 0, 1, 10.5)
	f.Fail("POST", "/channels/"+card+"/messages", 500, 0, 1, 0)
	limited := time.Now()
	_, tok := f.Command(ana, card, "ask", "question", "Which licence?")
	if r := h.reply(tok); !strings.Contains(r, "#1") {
		t.Errorf("ask: %q", r)
	}
	h.eventually("the question in the thread", func() bool {
		for _, m := range f.MessagesIn(card) {
			if strings.Contains(m.Content, "Which licence?") {
				return true
			}
		}
		return false
	})
	if d := time.Since(limited); d < 10500*time.Millisecond {
		t.Errorf("the question landed %v after a 429 asking for 10.5 s", d)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("took %v: the long 429 blocked", time.Since(start))
	}
	if !strings.Contains(h.log.String(), "giving the call back to the outbox") {
		t.Errorf("the long 429 was not handed back:\n%s", h.log)
	}
}

func TestForbiddenToldToStaffOnce(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.Fail("POST", "/messages/", 403, 50013, 1, 0) // the thread
	h := newHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "guidance")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:guidance", map[string]string{"title": "Help", "description": "Please."})
	h.reply(token)
	notice := h.en(bot.T("notice.forbidden", "op", bot.C("thread"), "id", bot.C("#1")))
	h.eventually("staff told", func() bool {
		dm := f.DMChannel(sam)
		return dm != "" && len(f.MessagesIn(dm)) == 1 && f.MessagesIn(dm)[0].Content == notice
	})
	if !strings.Contains(h.log.String(), "forbidden") {
		t.Errorf("the 403 was not logged:\n%s", h.log)
	}
}

func TestOversizedModal(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:funding", map[string]string{
		"title":       strings.Repeat("T", 150),
		"description": strings.Repeat("d", 5000),
	})
	r := h.reply(token)
	for _, want := range []string{
		h.en(bot.T("form.error.intro")),
		h.en(bot.T("form.error.too_long", "field", bot.X(bot.T("form.field.title")), "max", bot.N(100), "len", bot.N(150))),
		h.en(bot.T("form.error.too_long", "field", bot.X(bot.T("form.field.description")), "max", bot.N(3000), "len", bot.N(5000))),
	} {
		if !strings.Contains(r, want) {
			t.Errorf("reply lacks %q:\n%s", want, r)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(f.MessagesIn(committeeCh)); n != 0 {
		t.Errorf("%d cards for a bad form", n)
	}
}

func TestModalLimits(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "data-upload")
	r := h.response(id)
	var data struct {
		CustomID   string `json:"custom_id"`
		Title      string `json:"title"`
		Components []struct {
			Components []struct {
				CustomID  string `json:"custom_id"`
				Label     string `json:"label"`
				MaxLength int    `json:"max_length"`
			} `json:"components"`
		} `json:"components"`
	}
	b, _ := json.Marshal(r["data"])
	_ = json.Unmarshal(b, &data)
	if data.CustomID != "helpdesk:request:data-upload" || len(data.Components) != 5 || len([]rune(data.Title)) > 45 {
		t.Fatalf("modal: %s", b)
	}
	for _, row := range data.Components {
		c := row.Components[0]
		if len([]rune(c.Label)) > 45 || c.MaxLength > 4000 || c.MaxLength == 0 {
			t.Errorf("input %+v breaks Discord's limits", c)
		}
	}
}

func TestDMRefused(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.RefuseDMs(rita)
	h := newHarness(t, f)
	card := h.request(rita, "Closed DMs")
	var notice discordtest.Message
	h.eventually("the notice in the thread", func() bool {
		for _, m := range f.MessagesIn(card) {
			if strings.Contains(m.Content, "<@"+rita+">") {
				notice = m
				return true
			}
		}
		return false
	})
	var am struct {
		Parse []string `json:"parse"`
		Users []string `json:"users"`
	}
	if err := json.Unmarshal(notice.Mentions, &am); err != nil || am.Parse == nil || len(am.Parse) != 0 || len(am.Users) != 1 || am.Users[0] != rita {
		t.Errorf("allowed mentions %s, want only rita", notice.Mentions)
	}
	if strings.Count(notice.Content, "<@") != 1 {
		t.Errorf("notice mentions more than rita: %q", notice.Content)
	}
}

func TestEveryoneNeverPings(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	title := "@everyone @here <@&" + roleCommittee + "> <@" + ana + "> **big** [x](https://evil.example)"
	card := h.request(rita, title)
	got, _ := f.Message(card).Embed()
	for _, bad := range []string{"@everyone", "@here", "<@&", "<@" + ana, "**big**", "[x](", "](https"} {
		if strings.Contains(got, bad) {
			t.Errorf("card title %q contains %q", got, bad)
		}
	}
	for _, c := range f.Calls("POST", "/channels/") {
		if strings.HasSuffix(c.Path, "/messages") && !strings.Contains(c.Body, `"allowed_mentions":{"parse":[]`) {
			t.Errorf("unrestricted: %s", c.Body)
		}
	}
	for _, c := range f.Calls("PATCH", "/messages/") {
		if !strings.Contains(c.Body, `"allowed_mentions":{"parse":[]`) {
			t.Errorf("unrestricted edit: %s", c.Body)
		}
	}
}

func TestModalAfterRestart(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "contacts")
	h.response(id)
	h.eventually("the registration", func() bool { return len(f.Calls("PUT", "/commands")) == 1 })
	h.stop()
	h.start()
	_, token := f.Submit(rita, lobbyCh, "sv-SE", "helpdesk:request:contacts", map[string]string{"title": "Kontakter", "description": "Vi söker kontakter."})
	r := h.reply(token)
	if want := h.cat.Text("sv", bot.T("reply.opened", "id", bot.C("#1"), "title", bot.S("Kontakter")), h.a.style(nil)); r != want {
		t.Errorf("reply %q, want %q", r, want)
	}
	h.eventually("the card", func() bool { return len(f.MessagesIn(committeeCh)) == 1 })
	// Registered again on the restart, the same way.
	h.eventually("the second registration", func() bool { return len(f.Calls("PUT", "/commands")) == 2 })
	puts := f.Calls("PUT", "/commands")
	if puts[0].Body != puts[1].Body {
		t.Errorf("%d registrations, or they differ", len(puts))
	}
}

func TestCardDeletedByHand(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Fragile")
	h.vote(card, "✅", ana, bo)
	h.eventually("two votes", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 0, 2, 5)) })
	// chen's vote is on its way as a moderator deletes the card (the
	// thread stays): the gateway sends the vote, then the delete. The vote
	// decides; the card is posted again as it stands.
	f.Dispatch("MESSAGE_REACTION_ADD", map[string]any{
		"user_id": chen, "channel_id": committeeCh, "message_id": card, "guild_id": discordtest.Guild,
		"emoji":  map[string]any{"id": nil, "name": "✅"},
		"member": map[string]any{"user": map[string]any{"id": chen, "username": "chen"}, "roles": []string{roleCommittee}},
	})
	f.DeleteMessage(committeeCh, card)
	h.eventually("the card posted again, as it stands", func() bool {
		for _, m := range f.MessagesIn(committeeCh) {
			if _, d := m.Embed(); m.ID != card && strings.Contains(d, h.en(bot.T("stage.routing"))) {
				return true
			}
		}
		return false
	})
	h.eventually("the notice in the thread", func() bool {
		for _, m := range f.MessagesIn(card) {
			if m.Content == h.en(bot.T("thread.reposted")) {
				return true
			}
		}
		return false
	})
}

func TestForumCommittee(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newForumHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{"title": "Forum case", "description": "In a forum."})
	h.reply(token)
	var post discordtest.Channel
	h.eventually("the forum post", func() bool {
		for _, c := range f.ChannelsUnder("110") {
			post = c
			return len(f.Message(c.ID).Reactions) == 3
		}
		return false
	})
	h.vote(post.ID, "✅", ana, bo, chen)
	h.eventually("the routing message in the post", func() bool {
		for _, m := range f.MessagesIn(post.ID) {
			if len(m.Reactions) == 7 {
				return true
			}
		}
		return false
	})
	if n := len(f.Calls("POST", "/threads")); n != 1 {
		t.Errorf("%d thread creations, want the forum post only", n)
	}
}

// A post whose answer is lost is retried with the same nonce, and Discord
// (here the fake) recognises the repeat: one card, not two.
func TestLostAnswerPostsOnce(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.LoseResponses("POST", "/channels/"+committeeCh+"/messages", 2)
	h := newHarness(t, f)
	h.request(rita, "Once")
	if n := len(f.MessagesIn(committeeCh)); n != 1 {
		t.Errorf("%d cards, want 1", n)
	}
	var posts int
	for _, c := range f.Calls("POST", "/channels/"+committeeCh+"/messages") {
		if strings.HasSuffix(c.Path, "/messages") {
			posts++
		}
	}
	if posts < 3 {
		t.Errorf("%d posts: the lost answers were not retried", posts)
	}
}

func TestMembersNotListable(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.RefuseMemberList(403)
	h := newHarness(t, f)
	card := h.request(rita, "Unknown committee")
	if !strings.Contains(h.log.String(), "Server Members intent") {
		t.Errorf("no warning about the intent:\n%s", h.log)
	}
	// Members become known as they are seen: bo's reaction carries his
	// roles, and he is the whole committee known so far.
	h.vote(card, "✅", bo)
	h.eventually("bo's vote decides", func() bool { return strings.Contains(h.cardText(card), h.en(bot.T("stage.routing"))) })
}

func TestThreadDeletedByHand(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Lost thread")
	f.DeleteThread(card) // the thread started on the card has its id
	_, tok := f.Command(ana, lobbyCh, "ask", "case", 1, "question", "Which years?")
	h.reply(tok)
	h.eventually("the question in a new thread on the card", func() bool {
		if f.Channel(card).Parent != committeeCh {
			return false
		}
		for _, m := range f.MessagesIn(card) {
			if strings.Contains(m.Content, "Which years?") {
				return true
			}
		}
		return false
	})
}

func TestVolunteer(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	id, _ := f.Command(eli, lobbyCh, "volunteer")
	r := h.response(id)
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"custom_id":"helpdesk:volunteer"`) {
		t.Fatalf("volunteer answered %s", b)
	}
	_, tok := f.Submit(eli, lobbyCh, "en-US", "helpdesk:volunteer", map[string]string{"languages": "Finnish", "skills": "Metadata", "groups": "implementation"})
	if got, want := h.reply(tok), h.en(bot.T("reply.volunteered", "cmd", bot.Cmd("experts"))); got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	_, tok = f.Command(rita, lobbyCh, "experts", "topic", "finnish")
	if got := h.reply(tok); !strings.Contains(got, "eli") {
		t.Errorf("experts: %q", got)
	}
}

// Reactions are read back page by page (100 a page) after a reconnect.
func TestReconcileReadsEveryPage(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	for i := range 200 {
		f.AddMember(fmt.Sprint(3000+i), fmt.Sprintf("m%d", i), roleCommittee)
	}
	h := newHarness(t, f)
	card := h.request(rita, "Many voters")
	f.DropGateway()
	for i := range 101 {
		f.React(fmt.Sprint(3000+i), card, "✅", true)
	}
	for i := 101; i < 121; i++ {
		f.React(fmt.Sprint(3000+i), card, "❌", true)
	}
	f.WaitReady(t)
	h.eventually("121 votes after the reconnect", func() bool { return strings.Contains(h.cardText(card), h.tally(101, 20, 0, 121, 205)) })
	pages := 0
	for _, c := range f.Calls("GET", "/reactions/✅") {
		_ = c
		pages++
	}
	if pages < 2 {
		t.Errorf("%d pages of ✅ read, want 2", pages)
	}
}

// In direct messages an interaction has a user and no member: the roles
// come from the server (fetched on a miss), the language from the locale.
func TestCommandInDM(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.request(rita, "Private")
	_, tok := f.CommandInDM(ana, "list")
	got := h.reply(tok)
	if want := h.cat.Text("fi", bot.T("list.title").Plural(1), h.a.style(nil)); !strings.Contains(got, want) {
		t.Errorf("list in a DM: %q, want %q (Finnish, for a committee member)", got, want)
	}
}

// The acknowledgement reaches Discord but its answer is lost (a 502):
// discordgo sends it again and Discord says it was already acknowledged.
// The interaction was acknowledged all the same: the command runs and is
// answered.
func TestAckAnswerLost(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	h.request(rita, "Lost ack")
	f.LoseResponses("POST", "/callback", 1)
	_, tok := f.Command(ana, lobbyCh, "status", "case", 1)
	if r := h.reply(tok); !strings.Contains(r, "#1") {
		t.Errorf("status: %q", r)
	}
}

// Stopped while the gateway is down (discordgo is retrying to connect),
// the adapter does not come back online after Run returned: no session
// that nobody handles, and no "application did not respond" for the
// interactions Discord would send it.
func TestStopWhileReconnecting(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	f.RefuseGateway(true)
	f.DropGateway()
	// discordgo notices, closes (1 s) and tries again: refused.
	h.eventually("a refused reconnect", func() bool { return f.Refusals() > 0 })
	h.stop()
	sessions := f.Sessions()
	f.RefuseGateway(false)
	// discordgo tries again after 1, 2, 4… s: at least one try falls in
	// the next 3 s.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if f.Sessions() != sessions {
			t.Fatalf("the adapter connected again after Run returned")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A forum post whose answer is lost is not posted twice: a forum post
// takes no nonce, so the adapter finds the post the first try made.
func TestForumPostAnswerLost(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.LoseResponses("POST", "/channels/110/threads", 1)
	h := newForumHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{"title": "Lost post", "description": "Once."})
	h.reply(token)
	h.eventually("the post with its reactions", func() bool {
		for _, c := range f.ChannelsUnder("110") {
			if len(f.Message(c.ID).Reactions) == 3 {
				return true
			}
		}
		return false
	})
	if n := len(f.ChannelsUnder("110")); n != 1 {
		t.Errorf("%d forum posts for one case", n)
	}
}

// Another bot's reaction (a moderation bot, say) is no one's vote: it is
// left out live as it is in a reconcile, and the bot is not written to.
func TestOtherBotsReactionIgnored(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Bots")
	const robot = "1777"
	f.Dispatch("MESSAGE_REACTION_ADD", map[string]any{
		"user_id": robot, "channel_id": committeeCh, "message_id": card, "guild_id": discordtest.Guild,
		"emoji":  map[string]any{"id": nil, "name": "✅"},
		"member": map[string]any{"user": map[string]any{"id": robot, "username": "modbot", "bot": true}, "roles": []string{}},
	})
	h.vote(card, "✅", ana)
	h.eventually("ana's vote", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 0, 0, 1, 5)) })
	time.Sleep(100 * time.Millisecond) // a DM would be on its way
	if dm := f.DMChannel(robot); dm != "" {
		t.Errorf("the helpdesk wrote to another bot: %+v", f.MessagesIn(dm))
	}
	for _, m := range f.MessagesIn(card) {
		if strings.Contains(m.Content, robot) || strings.Contains(m.Content, "modbot") {
			t.Errorf("the thread speaks of the bot: %q", m.Content)
		}
	}
}

// A command being answered when the helpdesk stops is still answered:
// the person is not left with "thinking…" that never ends.
func TestStopAnswersInteractionsUnderWay(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	f.Slow("PATCH", "/messages/@original", 300*time.Millisecond)
	id, tok := f.Command(ana, lobbyCh, "help")
	h.response(id) // acknowledged; the answer is on its way
	h.stop()
	if len(f.EditsOf(tok)) != 1 {
		t.Errorf("the command was never answered")
	}
}

// A registration that fails for a passing reason (a 500) is tried again:
// otherwise /helpdesk would be missing until the next restart.
func TestRegistrationRetried(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.Fail("PUT", "/commands", 500, 0, 1, 0)
	h := newHarness(t, f)
	h.eventually("/helpdesk registered", func() bool {
		for _, c := range f.Calls("PUT", "/commands") {
			if strings.Contains(c.Body, `"name":"helpdesk"`) && len(f.Calls("PUT", "/commands")) == 2 {
				return true
			}
		}
		return false
	})
}

func TestCardDeletedWhileAway(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Fragile")
	h.vote(card, "✅", ana, bo)
	h.eventually("two votes", func() bool { return strings.Contains(h.cardText(card), h.tally(2, 0, 0, 2, 5)) })
	f.DropGateway()
	f.DeleteMessage(committeeCh, card) // while the bot is away
	f.WaitReady(t)
	// The reconnect finds the card gone: it is posted again with the two
	// votes it had, and a third vote on the new card decides.
	var again string
	h.eventually("the card posted again with its votes", func() bool {
		for _, m := range f.MessagesIn(committeeCh) {
			// With the helpdesk's three reactions: a person votes by
			// clicking them, and they come after the post is recorded.
			if _, d := m.Embed(); m.ID != card && strings.Contains(d, h.tally(2, 0, 0, 2, 5)) && len(m.Reactions) >= 3 {
				again = m.ID
				return true
			}
		}
		return false
	})
	h.vote(again, "✅", chen)
	h.eventually("accepted by three", func() bool { return strings.Contains(h.cardText(again), h.en(bot.T("stage.routing"))) })
}

func TestTheCaseOptionIsKeptApartFromTheText(t *testing.T) {
	line, caseID := commandLine([]*discordgo.ApplicationCommandInteractionDataOption{{
		Name: "ask", Type: discordgo.ApplicationCommandOptionSubCommand,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "question", Type: discordgo.ApplicationCommandOptionString, Value: "1890 or 1920 letters?"},
		},
	}})
	if line != "ask 1890 or 1920 letters?" || caseID != 0 {
		t.Fatalf("commandLine = %q, %d", line, caseID)
	}
	line, caseID = commandLine([]*discordgo.ApplicationCommandInteractionDataOption{{
		Name: "rate", Type: discordgo.ApplicationCommandOptionSubCommand,
		Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: "case", Type: discordgo.ApplicationCommandOptionInteger, Value: float64(12)},
			{Name: "rating", Type: discordgo.ApplicationCommandOptionInteger, Value: float64(4)},
		},
	}})
	if line != "rate 4" || caseID != 12 {
		t.Fatalf("commandLine = %q, %d; want the case apart from the rating", line, caseID)
	}
}

// The helpdesk is killed while a forum post is being made: Discord made
// the post, but the connection dropped before the answer, and the process
// that knew it tried is gone. The helpdesk started again on the same
// database finds the post by the marker in its card: one post.
func TestForumPostSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	f.DropResponses("POST", "/channels/110/threads", 1)
	h := newForumHarness(t, f)
	id, _ := f.Command(rita, lobbyCh, "request", "type", "media-upload")
	h.response(id)
	_, token := f.Submit(rita, lobbyCh, "en-US", "helpdesk:request:media-upload", map[string]string{"title": "Crash", "description": "Once."})
	h.reply(token)
	h.eventually("the post made, its answer lost", func() bool { return len(f.ChannelsUnder("110")) == 1 })
	h.stop() // before the outbox tries again (a second later)
	if n := len(f.Calls("POST", "/channels/110/threads")); n != 1 {
		t.Fatalf("%d tries before the restart, want 1", n)
	}
	h.start()
	h.eventually("the post with its reactions", func() bool {
		for _, c := range f.ChannelsUnder("110") {
			if len(f.Message(c.ID).Reactions) == 3 {
				return true
			}
		}
		return false
	})
	if n := len(f.ChannelsUnder("110")); n != 1 {
		t.Errorf("%d forum posts for one case", n)
	}
}
