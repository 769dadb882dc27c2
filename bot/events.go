package bot

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// ReactionAdded handles an emoji added to a post: a vote, a routing, a claim
// or a rating, depending on the post. Reactions are a set, so the same event
// delivered twice changes nothing. Reactions on posts the helpdesk does not
// know, and emoji that are not a choice there, are ignored. Adapters leave
// out the helpdesk's own reactions.
func (s *Service) ReactionAdded(ctx context.Context, r Reaction) error {
	return s.update(ctx, func(w *work) error { return w.reaction(r, true) })
}

// ReactionRemoved handles an emoji taken off a post; see ReactionAdded.
func (s *Service) ReactionRemoved(ctx context.Context, r Reaction) error {
	return s.update(ctx, func(w *work) error { return w.reaction(r, false) })
}

func (w *work) reaction(r Reaction, added bool) error {
	platform := r.User.Platform()
	p, c, err := w.tx.PostByRef(platform, r.Post)
	if errors.Is(err, ErrNotFound) {
		// Most are on posts that are not the helpdesk's. One on a post
		// of the helpdesk not recorded yet (made on the platform, the
		// answer still on its way) is not lost: once recorded, the post's
		// reactions are read again (see Service.reread).
		return nil
	}
	if err != nil {
		return fmt.Errorf("find post %s: %w", r.Post, err)
	}
	emoji := NormEmoji(r.Emoji)
	// The kinds of PostName.TakesReactions.
	if _, group := p.Name.Group(); group {
		return w.claimReaction(c, p, r.User, emoji, added)
	}
	switch {
	case p.Name.Ballot():
		return w.vote(c, p, r.User, emoji, added)
	case p.Name == PostRouting:
		return w.routingReaction(c, p, r.User, emoji, added)
	case p.Name == PostRating:
		return w.ratingReaction(c, p, r.User, emoji, added)
	}
	return nil
}

// routingReaction routes a case by a committee member's group emoji on the
// routing message. Taking the reaction off does not unroute: a group that
// was asked has been told.
func (w *work) routingReaction(c Case, p Post, user UserID, emoji string, added bool) error {
	group, none := "", NormEmoji(w.s.cfg.NoGroupEmoji) == emoji
	for _, g := range w.s.cfg.Groups {
		if NormEmoji(g.Emoji) == emoji {
			group = g.ID
		}
	}
	if group == "" && !none {
		return nil
	}
	changed, err := w.setReaction(c, p, user, emoji, added)
	if err != nil || !changed || !added {
		return err
	}
	m, err := w.member(user)
	if err != nil {
		return err
	}
	if !m.Roles.Committee && !m.Roles.Chair {
		return w.noticeOnce(c, user, "route.not_member", forever, T("notice.route_not_member", "id", caseRef(c.ID)))
	}
	if c.Stage != Routing && (c.Stage != WorkingGroup || none) {
		return nil
	}
	if none {
		_, err := w.route(&c, user, nil)
		return err
	}
	empty, err := w.route(&c, user, []string{group})
	if err != nil || len(empty) == 0 {
		return err
	}
	// Whoever routed by a reaction is told privately, at once.
	msg := w.to(user, T("notice.group_empty", "id", caseRef(c.ID), "groups", w.s.groupsText(empty), "cmd", command(fmt.Sprintf("route #%d …", c.ID))))
	msg.LinkThread = true
	return w.dm(c, NoPost, user, msg)
}

// claimReaction claims a case for a group by 🙋 on the group's card.
func (w *work) claimReaction(c Case, p Post, user UserID, emoji string, added bool) error {
	if emoji != NormEmoji(EmojiClaim) {
		return nil
	}
	changed, err := w.setReaction(c, p, user, emoji, added)
	if err != nil || !changed || !added {
		return err
	}
	group, _ := p.Name.Group()
	m, err := w.member(user)
	if err != nil {
		return err
	}
	if !m.Roles.InGroup(group) {
		return w.noticeOnce(c, user, "claim.not_member/"+group, forever, T("notice.claim_not_member", "id", caseRef(c.ID), "group", X(w.s.groupText(group))))
	}
	if c.Stage != WorkingGroup {
		return nil
	}
	_, err = w.claim(c, user, group)
	return err
}

// ratingReaction rates the help by a number reaction on the message that
// told the requester the case was resolved.
func (w *work) ratingReaction(c Case, p Post, user UserID, emoji string, added bool) error {
	score := 0
	for i, e := range RatingEmoji {
		if NormEmoji(e) == emoji {
			score = i + 1
		}
	}
	if score == 0 || user != c.Requester {
		return nil
	}
	changed, err := w.setReaction(c, p, user, emoji, added)
	if err != nil || !changed || !added {
		return err
	}
	return w.rate(&c, user, score, "")
}

// rate records the requester's rating of the help, with what they said of
// it, if anything.
func (w *work) rate(c *Case, by UserID, score int, comment string) error {
	c.Rating = score
	if err := w.save(c); err != nil {
		return err
	}
	if err := w.said(*c, by, EvRated, comment, "rating", fmt.Sprint(score)); err != nil {
		return err
	}
	if comment != "" {
		if err := w.toThread(*c, w.committeeMsg(T("thread.rated", "who", P(w.person(by)), "n", N(score)), Quoted(comment))); err != nil {
			return err
		}
	}
	// The case is closed and its thread archived: the card shows the rating.
	return w.refreshCard(*c)
}

// Tick acts on the reminders and deadlines that have fallen due, each once,
// including those that fell due while the helpdesk was not running.
func (s *Service) Tick(ctx context.Context) error {
	var due []Timer
	err := s.view(ctx, func(w *work) error {
		var err error
		due, err = w.tx.DueTimers(w.now)
		return err
	})
	if err != nil {
		return fmt.Errorf("read due timers: %w", err)
	}
	for _, t := range due {
		err := s.update(ctx, func(w *work) error {
			fired, err := w.tx.FireTimer(t.ID)
			if err != nil || !fired {
				return err
			}
			return w.timer(t)
		})
		if err != nil {
			return fmt.Errorf("timer %d (%s of case %d): %w", t.ID, t.Kind, t.CaseID, err)
		}
	}
	return s.retain(ctx)
}

// PostGone tells the core that a post or thread it made is gone from the
// platform: deleted by hand, as the platform said (an event) or as the
// adapter found when it looked again after a reconnect. A post of an open
// case that still matters is posted again, and the reactions the helpdesk
// knew on it move to the new post and count; a thread is started again. A
// reference the helpdesk never made, or of a closed case, changes nothing.
func (s *Service) PostGone(ctx context.Context, platform, ref string) error {
	// Platforms tell of every deleted message: most are not the helpdesk's,
	// and a read tells without taking the write lock.
	known := true
	err := s.view(ctx, func(w *work) error {
		_, _, err := w.tx.PostByRef(platform, ref)
		if errors.Is(err, ErrNotFound) {
			known, err = false, nil
		}
		return err
	})
	if err != nil || !known {
		return err
	}
	return s.update(ctx, func(w *work) error {
		p, c, err := w.tx.PostByRef(platform, ref)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find post %s: %w", ref, err)
		}
		if !c.Stage.Open() {
			return nil
		}
		if p.Name == "thread" {
			_, err = w.threadGone(c)
		} else {
			_, _, err = w.repost(c, p.Name)
		}
		return err
	})
}

// HeldReactions is what a platform shows on a post after a reconnect: every
// person and the emoji they hold there.
type HeldReactions struct {
	Post string
	// Users holds each person's emoji in the order they added them, as far
	// as the platform tells (its timestamps, or the order of the emoji on
	// the post): a person's vote is the latest vote reaction they hold.
	Users map[UserID][]string
}

// ratingWatch is how long after a case was resolved a reconnect still
// re-reads its rating request.
const ratingWatch = 30 * 24 * time.Hour

// Watched lists the posts of a platform whose reactions still matter (the
// vote posts of open rounds, routing messages, group cards, rating
// requests), so that an adapter can re-read them after a reconnect.
func (s *Service) Watched(ctx context.Context, platform string) ([]string, error) {
	var refs []string
	err := s.view(ctx, func(w *work) error {
		cases, err := w.tx.Cases(CaseFilter{OpenOnly: true})
		if err != nil {
			return err
		}
		// Only the recently closed: years of closed cases are not read
		// at every reconnect.
		closed, err := w.tx.Cases(CaseFilter{Stage: Closed, UpdatedSince: w.now.Add(-ratingWatch)})
		if err != nil {
			return err
		}
		for _, c := range closed {
			// A rating request stays worth watching for a while, not for years.
			if c.Outcome == Resolved && c.Rating == 0 && w.now.Sub(c.UpdatedAt) < ratingWatch {
				cases = append(cases, c)
			}
		}
		for _, c := range cases {
			if c.Platform != platform {
				continue
			}
			var names []PostName
			switch c.Stage {
			case InitialReview, FinalReview:
				if r, err := w.tx.Round(c.ID, c.Round); err == nil && !r.Closed {
					names = append(names, r.Post)
				}
			case Routing:
				names = append(names, PostRouting)
			case WorkingGroup:
				as, err := w.tx.Assignments(c.ID)
				if err != nil {
					return err
				}
				names = append(names, PostRouting)
				for _, a := range as {
					names = append(names, GroupPost(a.Group))
				}
			case Closed:
				if c.Outcome == Resolved && c.Rating == 0 {
					names = append(names, PostRating)
				}
			}
			for _, n := range names {
				if p, err := w.tx.Post(c.ID, n); err == nil {
					refs = append(refs, p.Ref)
				}
			}
		}
		return nil
	})
	return refs, err
}

// Reconcile brings the helpdesk's record of a post's reactions in line with
// what the platform shows, as if each difference had been an event:
// reactions added while the adapter was away count, and none counts twice.
func (s *Service) Reconcile(ctx context.Context, platform string, h HeldReactions) error {
	var adds, removes []Reaction
	err := s.view(ctx, func(w *work) error {
		held, err := w.tx.Reactions(platform, h.Post)
		if err != nil {
			return err
		}
		known := map[string]bool{}
		for _, r := range held {
			known[string(r.User)+"\x00"+r.Emoji] = true
		}
		now := map[string]bool{}
		for u, es := range h.Users {
			for _, e := range es {
				e = NormEmoji(e)
				now[string(u)+"\x00"+e] = true
				if !known[string(u)+"\x00"+e] {
					adds = append(adds, Reaction{Post: h.Post, User: u, Emoji: e})
				}
			}
		}
		for _, r := range held {
			// A carried reaction was held on a deleted post: the platform
			// cannot show it, and it still counts.
			if !now[string(r.User)+"\x00"+r.Emoji] && !r.Carried {
				removes = append(removes, Reaction{Post: h.Post, User: r.User, Emoji: r.Emoji})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read reactions of %s: %w", h.Post, err)
	}
	// People in a fixed order, so a reconcile is repeatable; each person's
	// reactions in the order the platform gave them.
	sort.SliceStable(adds, func(i, j int) bool { return adds[i].User < adds[j].User })
	for _, r := range removes {
		if err := s.ReactionRemoved(ctx, r); err != nil {
			return err
		}
	}
	for _, r := range adds {
		if err := s.ReactionAdded(ctx, r); err != nil {
			return err
		}
	}
	return nil
}
