package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wmse/helpdesk/bot"
	"github.com/wmse/helpdesk/bot/chattest"
	"github.com/wmse/helpdesk/locales"
)

// The core's in-memory fake keeps bot.Chat's promises, as the platforms
// do: a test of the core that passes on it would pass on them.
func TestChatContract(t *testing.T) {
	t.Run("ThreadOnTheCard", func(t *testing.T) {
		chattest.TestChat(t, func(t *testing.T) chattest.Harness { return newMemoryHarness(t, false) })
	})
	// As Mattermost: the thread is the card's replies.
	t.Run("ThreadIsTheCard", func(t *testing.T) {
		chattest.TestChat(t, func(t *testing.T) chattest.Harness { return newMemoryHarness(t, true) })
	})
}

// memoryHarness reads what the fake's log says the platform shows.
type memoryHarness struct {
	f       *fakeChat
	cat     *locales.Catalog
	refused bool
}

// The person whose direct messages are closed, and the group whose
// channel refuses the helpdesk once Refuse is called.
const (
	closedDMs    = bot.UserID("shell:closed")
	refusedGroup = "refused"
)

func newMemoryHarness(t *testing.T, threadIsCard bool) *memoryHarness {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	h := &memoryHarness{f: newFakeChat(), cat: cat}
	h.f.threadIsCard = threadIsCard
	// Called under the fake's lock, as the fake's own checks are.
	h.f.fail = func(op bot.Op, to bot.Place) error {
		switch {
		case op == bot.OpPost && to.Kind == bot.InDirect && to.User == closedDMs:
			return bot.ErrUnreachable
		case op == bot.OpPost && to.Kind == bot.InGroup && to.Group == refusedGroup && h.refused:
			return bot.ErrForbidden
		}
		return nil
	}
	return h
}

func (h *memoryHarness) Chat() bot.Chat          { return h.f }
func (h *memoryHarness) Group() string           { return "implementation" }
func (h *memoryHarness) Person() bot.UserID      { return id("ivan") }
func (h *memoryHarness) Delete(ref string)       { h.f.delete(ref) }
func (h *memoryHarness) Unreachable() bot.UserID { return closedDMs }
func (h *memoryHarness) Refuse() bot.Place {
	h.refused = true
	return bot.Place{Kind: bot.InGroup, Group: refusedGroup}
}
func (h *memoryHarness) Archived(thread string) bool { return h.has(bot.OpArchive, thread) }
func (h *memoryHarness) has(op bot.Op, ref string) bool {
	return slices.ContainsFunc(h.f.sentSince(0), func(s sent) bool { return s.Op == op && s.Ref == ref })
}

func (h *memoryHarness) Read(ref string) (chattest.Shown, bool) {
	h.f.mu.Lock()
	gone := h.f.deleted[ref]
	h.f.mu.Unlock()
	var out chattest.Shown
	found := false
	for _, s := range h.f.sentSince(0) {
		if s.Ref != ref {
			continue
		}
		switch s.Op {
		case bot.OpPost:
			out.Place, out.Text, found = s.Place, h.text(s.Msg), true
		case bot.OpEdit:
			out.Text = h.text(s.Msg)
		case bot.OpReact:
			// A reaction is held or not: reacting again changes nothing.
			if !slices.Contains(out.Reactions, s.Emoji) {
				out.Reactions = append(out.Reactions, s.Emoji)
			}
		case bot.OpUnreact:
			out.Reactions = slices.DeleteFunc(out.Reactions, func(e string) bool { return e == s.Emoji })
		}
	}
	return out, found && !gone
}

func (h *memoryHarness) text(m bot.Message) string {
	var b strings.Builder
	st := locales.Style{}
	if !m.Title.IsZero() {
		b.WriteString(h.cat.Text(m.Lang, m.Title, st) + "\n")
	}
	for _, l := range m.Lines {
		b.WriteString(h.cat.Text(m.Lang, l, st) + "\n")
	}
	for _, f := range m.Fields {
		b.WriteString(h.cat.Text(m.Lang, f.Label, st) + ": " + h.cat.Text(m.Lang, f.Value, st) + "\n")
	}
	return b.String()
}

func (h *memoryHarness) Posts(in bot.Place) []string {
	var out []string
	for _, s := range h.f.sentSince(0) {
		if s.Op != bot.OpPost || s.Place != in {
			continue
		}
		if _, ok := h.Read(s.Ref); ok {
			out = append(out, s.Ref)
		}
	}
	return out
}

func (h *memoryHarness) Members(thread string) []bot.UserID {
	var out []bot.UserID
	for _, s := range h.f.sentSince(0) {
		if s.Op == bot.OpInvite && s.Ref == thread && !slices.Contains(out, s.User) {
			out = append(out, s.User)
		}
	}
	return out
}
