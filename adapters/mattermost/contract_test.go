package mattermost_test

import (
	"strings"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/wmse/helpdesk/adapters/mattermost"
	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/bot/chattest"
)

// The adapter keeps bot.Chat's promises on the fake Mattermost, through
// Client4 over HTTP, as the core's fake and the other platforms do.
func TestChatContract(t *testing.T) {
	chattest.TestChat(t, func(t *testing.T) chattest.Harness { return &mmShows{h: MustStart(t)} })
}

// mmShows reads what the fake Mattermost shows.
type mmShows struct{ h *harness }

func (m *mmShows) Chat() bot.Chat { return m.h.ad }
func (m *mmShows) Group() string  { return "implementation" }

// Person is bea, of the committee: a member of the committee channel,
// whom Invite makes follow a thread.
func (m *mmShows) Person() bot.UserID { return user(m.h.users["bea"]) }

func user(id string) bot.UserID { return bot.UserID(mattermost.Platform + ":" + id) }

// Unreachable is a person whose account is gone: Mattermost has no
// closed direct messages, but cannot open one with an unknown user.
func (m *mmShows) Unreachable() bot.UserID { return user(model.NewId()) }

// Delete deletes a post as a person would; a thread is its card's
// replies, and goes with it.
func (m *mmShows) Delete(ref string) { m.h.fake.DeletePost(ref) }

// Refuse removes the bot from the implementation group's channel, as an
// admin might after the helpdesk started.
func (m *mmShows) Refuse() bot.Place {
	m.h.fake.RemoveMember(m.h.groupCh["implementation"], m.h.fake.BotID)
	return bot.Place{Kind: bot.InGroup, Group: "implementation"}
}

// place is a post's place in the core's words.
func (m *mmShows) place(p *model.Post) bot.Place {
	if p.RootId != "" {
		return bot.Place{Kind: bot.InThread, Thread: p.RootId}
	}
	if p.ChannelId == m.h.comm {
		return bot.Place{Kind: bot.InCommittee}
	}
	for g, ch := range m.h.groupCh {
		if p.ChannelId == ch {
			return bot.Place{Kind: bot.InGroup, Group: g}
		}
	}
	for _, id := range m.h.users {
		if p.ChannelId == mmtest.DirectChannel(m.h.fake.BotID, id) {
			return bot.Place{Kind: bot.InDirect, User: user(id)}
		}
	}
	return bot.Place{}
}

func (m *mmShows) Read(ref string) (chattest.Shown, bool) {
	p := m.h.fake.Post(ref)
	if p == nil || p.DeleteAt != 0 {
		return chattest.Shown{}, false
	}
	s := chattest.Shown{Place: m.place(p), Text: p.Message}
	for _, r := range m.h.fake.Reactions(ref) {
		if name, ok := strings.CutPrefix(r, m.h.fake.BotID+":"); ok {
			s.Reactions = append(s.Reactions, bot.EmojiFromName(name))
		}
	}
	return s, true
}

func (m *mmShows) Posts(in bot.Place) []string {
	var ps []*model.Post
	switch in.Kind {
	case bot.InCommittee:
		ps = m.h.fake.Posts(m.h.comm)
	case bot.InGroup:
		if ch := m.h.groupCh[in.Group]; ch != "" {
			ps = m.h.fake.Posts(ch)
		}
	case bot.InDirect:
		id, _ := strings.CutPrefix(string(in.User), mattermost.Platform+":")
		ps = m.h.fake.Posts(mmtest.DirectChannel(m.h.fake.BotID, id))
	case bot.InThread:
		ps = m.h.fake.Replies(in.Thread)
	}
	var out []string
	for _, p := range ps {
		if p.DeleteAt == 0 && m.place(p) == in {
			out = append(out, p.Id)
		}
	}
	return out
}

func (m *mmShows) Members(thread string) []bot.UserID {
	var out []bot.UserID
	for _, f := range m.h.fake.Follows() {
		if f.Thread == thread {
			out = append(out, user(f.User))
		}
	}
	return out
}
