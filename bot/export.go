package bot

import (
	"context"
	"errors"
	"fmt"
)

// Record is a case as export shows it: the case, its groups, its votes
// and its event log.
type Record struct {
	Case   Case
	Groups []Assignment
	Votes  []Vote  // the votes that decided each closed round
	Open   []Vote  // the current votes of the round still open, if any
	Events []Event // in order
}

// ExportAll reads every case of every platform with its groups, votes and
// events: for the operators' helpdesk export, who hold the database.
func (s *Service) ExportAll(ctx context.Context) ([]Record, error) {
	return s.export(ctx, CaseFilter{})
}

// Export reads what viewer may export: for staff, every case of their
// platform (rights.go).
func (s *Service) Export(ctx context.Context, viewer Viewer) ([]Record, error) {
	if !isStaff(viewer.Member) {
		return nil, refuse(NotYours, "web.error.staff_only")
	}
	return s.export(ctx, CaseFilter{Platform: viewer.ID.Platform()})
}

func (s *Service) export(ctx context.Context, f CaseFilter) ([]Record, error) {
	var out []Record
	err := s.view(ctx, func(w *work) error {
		cs, err := w.tx.Cases(f)
		if err != nil {
			return err
		}
		for _, c := range cs {
			r := Record{Case: c}
			if r.Groups, err = w.tx.Assignments(c.ID); err != nil {
				return err
			}
			if r.Votes, err = w.tx.Votes(c.ID); err != nil {
				return err
			}
			if c.Round > 0 && c.Stage.Open() {
				rd, err := w.tx.Round(c.ID, c.Round)
				if err != nil {
					return err
				}
				if !rd.Closed {
					b, err := w.ballot(c, rd)
					if err != nil {
						return err
					}
					for _, u := range b.Eligible {
						if ch, ok := b.Votes[u]; ok {
							r.Open = append(r.Open, Vote{CaseID: c.ID, Round: rd.N, Voter: u, Choice: ch})
						}
					}
				}
			}
			if r.Events, err = w.tx.Events(c.ID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return out, nil
}

// ReactionTarget finds the post of case id on which emoji means something
// now, for platforms where people name a case rather than a message (the
// shell): a vote emoji targets the open round's post, a group emoji the
// routing message, 🙋 the card of the first routed group user belongs to,
// a number the rating request. It returns ErrNotFound when there is none.
func (s *Service) ReactionTarget(ctx context.Context, id int64, user UserID, emoji string) (string, error) {
	emoji = NormEmoji(EmojiFromName(emoji))
	var ref string
	err := s.view(ctx, func(w *work) error {
		c, err := w.tx.Case(id)
		if err != nil {
			return err
		}
		var name PostName
		switch {
		case emoji == NormEmoji(EmojiClaim):
			m, err := w.member(user)
			if err != nil {
				return err
			}
			as, err := w.tx.Assignments(c.ID)
			if err != nil {
				return err
			}
			// The first routed group the person belongs to, else the first.
			for _, a := range as {
				if m.Roles.InGroup(a.Group) {
					name = GroupPost(a.Group)
					break
				}
			}
			if name == "" && len(as) > 0 {
				name = GroupPost(as[0].Group)
			}
		case c.Stage == Routing || c.Stage == WorkingGroup:
			name = PostRouting
		case c.Stage == Closed && c.Outcome == Resolved:
			name = PostRating
		case c.Round > 0:
			r, err := w.tx.Round(c.ID, c.Round)
			if err != nil {
				return err
			}
			name = r.Post
		}
		if name == "" {
			return ErrNotFound
		}
		p, err := w.tx.Post(c.ID, name)
		ref = p.Ref
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("find post of case %d: %w", id, err)
	}
	return ref, err
}
