package discord

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
)

func TestWholeCase(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)

	// /helpdesk and /case are registered once, with every subcommand of
	// the core between them, and Discord takes them.
	h.eventually("the commands", func() bool {
		return len(f.Calls("PUT", "/applications/"+discordtest.App+"/guilds/"+discordtest.Guild+"/commands")) == 1
	})
	if n := len(f.Registrations()); n != 1 {
		t.Fatalf("Discord took %d registrations, want 1", n)
	}
	var cmds []struct {
		Name    string `json:"name"`
		Options []struct {
			Name string `json:"name"`
		} `json:"options"`
		DescriptionLocalizations map[string]string `json:"description_localizations"`
	}
	if err := json.Unmarshal([]byte(f.Calls("PUT", "/commands")[0].Body), &cmds); err != nil || len(cmds) != 2 {
		t.Fatalf("commands: %v %s", err, f.Calls("PUT", "/commands")[0].Body)
	}
	var subs []string
	for _, c := range cmds {
		for _, o := range c.Options {
			subs = append(subs, o.Name)
		}
		if c.DescriptionLocalizations["sv-SE"] == "" {
			t.Errorf("/%s has no Swedish description: %v", c.Name, c.DescriptionLocalizations)
		}
	}
	if cmds[0].Name != "helpdesk" || cmds[1].Name != "case" {
		t.Errorf("commands /%s and /%s, want /helpdesk and /case", cmds[0].Name, cmds[1].Name)
	}
	if slices.Sort(subs); !slices.Equal(subs, bot.Commands()) {
		t.Errorf("subcommands %v, want %v", subs, bot.Commands())
	}

	card := h.request(rita, "Scans of the city archive")
	title, desc := f.Message(card).Embed()
	if words(title) != "Case #1: Scans of the city archive" || !strings.Contains(desc, "300 scans") {
		t.Errorf("card: %q %q", title, desc)
	}
	thread := card // a thread started on a message has its id
	if c := f.Channel(thread); c.Parent != committeeCh {
		t.Fatalf("no thread on the card: %+v", c)
	}
	h.eventually("the DM to rita", func() bool {
		dm := f.DMChannel(rita)
		return dm != "" && len(f.MessagesIn(dm)) == 1
	})

	// The committee accepts: three of five.
	h.vote(card, "✅", ana, bo, chen)
	var routing string
	h.eventually("the routing message in the thread", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if t, _ := m.Embed(); strings.Contains(t, "working groups") && len(m.Reactions) == 7 {
				routing = m.ID
				return true
			}
		}
		return false
	})
	h.vote(routing, "🛠️", ana)
	var group string
	h.eventually("the card of the implementation group", func() bool {
		ms := f.MessagesIn(implCh)
		if len(ms) == 1 && len(ms[0].Reactions) == 1 {
			group = ms[0].ID
			return true
		}
		return false
	})
	if g := f.Message(group); !strings.Contains(string(g.Components), "https://discord.com/channels/"+discordtest.Guild+"/"+thread) {
		t.Errorf("the group card does not link the thread: %s", g.Components)
	}

	// ivan claims with 🙋 and joins the thread.
	h.vote(group, "🙋", ivan)
	h.eventually("ivan in the thread", func() bool { return len(f.Calls("PUT", "/channels/"+thread+"/thread-members/"+ivan)) == 1 })

	_, tok := f.Command(ivan, thread, "recommend", "recommendation", "Upload them with Pattypan.")
	if r := h.reply(tok); !strings.Contains(r, "#1") {
		t.Errorf("recommend: %q", r)
	}
	var vote string
	h.eventually("the final vote", func() bool {
		for _, m := range f.MessagesIn(thread) {
			if t, _ := m.Embed(); strings.Contains(t, "final") || strings.Contains(t, "Final") {
				if len(m.Reactions) == 3 {
					vote = m.ID
					return true
				}
			}
		}
		return false
	})
	h.vote(vote, "✅", ana, bo, chen)
	h.eventually("the go", func() bool {
		return strings.Contains(h.cardText(card), h.en(bot.T("stage.support")))
	})

	_, tok = f.Command(sam, lobbyCh, "resolve", "case", 1, "summary", "Uploaded 300 files.")
	if r := h.reply(tok); !strings.Contains(r, "#1") {
		t.Errorf("resolve: %q", r)
	}
	dm := f.DMChannel(rita)
	var rating string
	h.eventually("the resolution DM with the rating reactions", func() bool {
		for _, m := range f.MessagesIn(dm) {
			if strings.Contains(m.Content, "Uploaded 300 files.") && len(m.Reactions) == 5 {
				rating = m.ID
				return true
			}
		}
		return false
	})
	h.eventually("the thread archived", func() bool { return f.Channel(thread).Archived })

	// rita rates the help with a reaction in her DMs; the card shows it.
	f.React(rita, rating, "4️⃣", false)
	h.eventually("the rating on the card", func() bool {
		return strings.Contains(string(f.Message(card).Embeds), h.en(bot.T("rating.value", "n", bot.N(4))))
	})

	// Every message the bot posted restricted its mentions.
	for _, c := range f.Calls("POST", "/messages") {
		if !strings.HasSuffix(c.Path, "/messages") {
			continue
		}
		if !strings.Contains(c.Body, `"allowed_mentions":{"parse":[]`) {
			t.Errorf("unrestricted mentions: %s", c.Body)
		}
	}
	for _, c := range f.Calls("POST", "/channels/") {
		if strings.HasSuffix(c.Path, "/messages") && !strings.Contains(c.Body, `"nonce":"h`) && !strings.Contains(c.Body, `"nonce":"t`) {
			t.Errorf("a post without a nonce: %s", c.Body)
		}
	}
}

func TestNonMemberReaction(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Maps")
	h.vote(card, "✅", sam) // staff, not committee
	h.vote(card, "✅", ana)
	h.eventually("ana's vote on the card", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 0, 0, 1, 5)) })
	f.Unreact(sam, card, "✅", false)
	h.vote(card, "✅", sam)
	h.vote(card, "❌", bo)
	h.eventually("bo's vote on the card", func() bool { return strings.Contains(h.cardText(card), h.tally(1, 1, 0, 2, 5)) })
	dm := f.DMChannel(sam)
	notice := h.en(bot.T("notice.not_member", "id", bot.C("#1")))
	n := 0
	for _, m := range f.MessagesIn(dm) {
		if m.Content == notice {
			n++
		}
	}
	if n != 1 {
		t.Errorf("sam was told %d times, want once; DMs: %+v", n, f.MessagesIn(dm))
	}
}

func TestReactionBurst(t *testing.T) {
	t.Parallel()
	f := newFakeGuild(t)
	h := newHarness(t, f)
	card := h.request(rita, "Burst")
	edits := f.Message(card).Edits
	start := time.Now()
	// 40 events in a burst: every add followed at once by its remove, the
	// last round left standing.
	for i := 0; i < 9; i++ {
		for _, u := range []string{bo, chen} {
			f.React(u, card, "✅", false)
			f.Unreact(u, card, "✅", false)
		}
		f.React(dina, card, "❓", false)
		f.Unreact(dina, card, "❓", false)
	}
	h.vote(card, "✅", bo)
	h.vote(card, "❌", chen)
	want := h.tally(1, 1, 0, 2, 5)
	h.eventually("the final tally", func() bool { return strings.Contains(h.cardText(card), want) })
	time.Sleep(1500 * time.Millisecond) // any edit still due
	if !strings.Contains(h.cardText(card), want) {
		t.Errorf("card ends with %q, want %q", h.cardText(card), want)
	}
	n := f.Message(card).Edits - edits
	secs := time.Since(start).Seconds()
	if float64(n) > secs+2 {
		t.Errorf("%d edits of the card in %.1f s of 56 reaction events", n, secs)
	}
	t.Logf("%d edits of the card for 56 reaction events in %.1f s", n, secs)
}
