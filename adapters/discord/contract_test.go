package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/bot/chattest"
)

// The adapter keeps bot.Chat's promises on the fake Discord, through
// discordgo over HTTP, as the core's fake and the other platforms do.
func TestChatContract(t *testing.T) {
	chattest.TestChat(t, func(t *testing.T) chattest.Harness {
		f := newFakeGuild(t)
		return &discordShows{h: newHarness(t, f), f: f}
	})
}

// discordShows reads what the fake Discord shows.
type discordShows struct {
	h *harness
	f *discordtest.Fake
}

func (d *discordShows) Chat() bot.Chat     { return d.h.a }
func (d *discordShows) Group() string      { return "implementation" }
func (d *discordShows) Person() bot.UserID { return userID(ivan) }

// Unreachable is rita, who closed her direct messages.
func (d *discordShows) Unreachable() bot.UserID {
	d.f.RefuseDMs(rita)
	return userID(rita)
}

// Delete deletes a message ("CHANNEL/MESSAGE") or a thread, as a
// moderator would.
func (d *discordShows) Delete(ref string) {
	if ch, msg, ok := cutRef(ref); ok {
		d.f.DeleteMessage(ch, msg)
		return
	}
	d.f.DeleteThread(ref)
}

func (d *discordShows) Archived(thread string) bool { return d.f.Channel(thread).Archived }

// place is a channel of the fake in the core's words.
func (d *discordShows) place(channel string) bot.Place {
	c := d.f.Channel(channel)
	switch {
	case channel == committeeCh:
		return bot.Place{Kind: bot.InCommittee}
	case channel == implCh:
		return bot.Place{Kind: bot.InGroup, Group: "implementation"}
	case channel == commCh:
		return bot.Place{Kind: bot.InGroup, Group: "communication"}
	case c.Parent != "":
		return bot.Place{Kind: bot.InThread, Thread: channel}
	case c.DMUser != "":
		return bot.Place{Kind: bot.InDirect, User: userID(c.DMUser)}
	}
	return bot.Place{}
}

// channel is where the fake keeps the posts of a place, "" for none.
func (d *discordShows) channel(in bot.Place) string {
	switch in.Kind {
	case bot.InCommittee:
		return committeeCh
	case bot.InGroup:
		return map[string]string{"implementation": implCh, "communication": commCh}[in.Group]
	case bot.InThread:
		return in.Thread
	case bot.InDirect:
		if id, ok := snowflake(in.User); ok {
			return d.f.DMChannel(id)
		}
	}
	return ""
}

func (d *discordShows) Read(ref string) (chattest.Shown, bool) {
	ch, id, ok := cutRef(ref)
	if !ok {
		return chattest.Shown{}, false
	}
	m := d.f.Message(id)
	if m.ID == "" || m.Channel != ch {
		return chattest.Shown{}, false
	}
	s := chattest.Shown{Place: d.place(ch), Text: shownText(m)}
	for _, r := range m.Reactions {
		if r.User == discordtest.Bot {
			s.Reactions = append(s.Reactions, r.Emoji)
		}
	}
	return s, true
}

// shownText is what a message shows: its content, and its embeds' title,
// description and fields.
func shownText(m discordtest.Message) string {
	var es []struct {
		Title, Description string
		Fields             []struct{ Name, Value string }
	}
	_ = json.Unmarshal(m.Embeds, &es)
	parts := []string{m.Content}
	for _, e := range es {
		parts = append(parts, e.Title, e.Description)
		for _, f := range e.Fields {
			parts = append(parts, f.Name, f.Value)
		}
	}
	return strings.Join(parts, "\n")
}

func (d *discordShows) Posts(in bot.Place) []string {
	ch := d.channel(in)
	if ch == "" {
		return nil
	}
	var out []string
	for _, m := range d.f.MessagesIn(ch) {
		out = append(out, ref(ch, m.ID))
	}
	return out
}

func (d *discordShows) Members(thread string) []bot.UserID {
	var out []bot.UserID
	for _, m := range d.f.Channel(thread).Members {
		if m != discordtest.Bot {
			out = append(out, userID(m))
		}
	}
	return out
}

// Refuse denies the bot SEND_MESSAGES in the implementation group's
// channel, as an admin might after the helpdesk started.
func (d *discordShows) Refuse() bot.Place {
	d.f.SetOverwrite(implCh, discordtest.Overwrite{ID: discordtest.BotRole, Deny: discordtest.PermSendMessages})
	return bot.Place{Kind: bot.InGroup, Group: "implementation"}
}
