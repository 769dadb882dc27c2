package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Helpers for platforms whose view can change behind the helpdesk's back
// (Discord: a moderator deletes a card or a thread) and whose member events
// tell roles but not the person's locale.

// MemberRolesSeen is MemberSeen for a platform that reports a person's name
// and roles but not their locale: an empty m.Locale keeps the stored one.
func (s *Service) MemberRolesSeen(ctx context.Context, m Member) error {
	return s.update(ctx, func(w *work) error {
		if m.Locale == "" {
			old, err := w.member(m.ID)
			if err != nil {
				return err
			}
			m.Locale = old.Locale
		}
		return w.seen(m)
	})
}

// PostOf returns the platform reference of post name ("card", "thread")
// of the case that post or thread ref belongs to. It returns ErrNotFound
// when ref is no post or thread the helpdesk knows, or the case has no such
// post.
func (s *Service) PostOf(ctx context.Context, platform, ref, name string) (string, error) {
	var out string
	err := s.view(ctx, func(w *work) error {
		id, err := w.caseOfRef(platform, ref)
		if err != nil {
			return err
		}
		p, err := w.tx.Post(id, name)
		out = p.Ref
		return err
	})
	return out, err
}

func (w *work) caseOfRef(platform, ref string) (int64, error) {
	p, err := w.tx.PostByRef(platform, ref)
	if err == nil {
		return p.CaseID, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	c, err := w.tx.CaseByThread(platform, ref)
	return c.ID, err
}

// Replaced records that the platform re-created a post (or thread) that was
// deleted by hand: newRef now stands for what oldRef was. Reactions held on
// the old post went with it; the helpdesk's own reactions are queued again
// on the new one, and a re-created thread is re-created for nothing else.
// It returns ErrNotFound when oldRef is unknown.
func (s *Service) Replaced(ctx context.Context, platform, oldRef, newRef string) error {
	return s.update(ctx, func(w *work) error {
		p, err := w.tx.PostByRef(platform, oldRef)
		if errors.Is(err, ErrNotFound) {
			c, err2 := w.tx.CaseByThread(platform, oldRef)
			if err2 != nil {
				return err2
			}
			p = Post{CaseID: c.ID, Name: "thread", Platform: platform, Ref: oldRef}
		} else if err != nil {
			return err
		}
		p.Ref = newRef
		if err := w.tx.PutPost(p); err != nil {
			return fmt.Errorf("record re-created %s of case %d: %w", p.Name, p.CaseID, err)
		}
		c, err := w.tx.Case(p.CaseID)
		if err != nil {
			return fmt.Errorf("read case %d: %w", p.CaseID, err)
		}
		return w.react(c, p.Name, w.ownReactions(c, p.Name)...)
	})
}

// ownReactions are the reactions the helpdesk puts on a post of a case.
func (w *work) ownReactions(c Case, name string) []string {
	var out []string
	switch {
	case name == "card" || strings.HasPrefix(name, "vote/"):
		if c.Round == 0 {
			return nil
		}
		r, err := w.tx.Round(c.ID, c.Round)
		if err != nil || r.Closed || r.Post != name {
			return nil
		}
		for _, ch := range ChoicesOf(r.Kind) {
			out = append(out, ChoiceEmoji(ch))
		}
	case name == "routing":
		for _, g := range w.s.cfg.Groups {
			out = append(out, g.Emoji)
		}
		out = append(out, w.s.cfg.NoGroupEmoji)
	case strings.HasPrefix(name, "group/"):
		out = append(out, EmojiClaim)
	case name == "rating":
		out = append(out, RatingEmoji...)
	}
	return out
}
