package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Erasure: a person's right to be forgotten, and the helpdesk's memory.
// The person is replaced everywhere by a pseudonym ("erased:…"), so the
// case skeletons, stages, dates, votes as counts and the statistics stay;
// their words, their name, their address and their files go. Cases closed
// for longer than the helpdesk keeps them (Config.KeepClosed) are erased
// the same way, one case at a time, by the timer worker.

// Erasure is what the store replaces in one erasure, in one transaction.
type Erasure struct {
	// Person is who is erased, Pseudonym what they are from now on.
	Person    UserID
	Pseudonym UserID
	// Names are how others' texts may write the person (their display
	// name, their mail address): each occurrence, as a whole word and
	// whatever its case, becomes Redacted.
	Names []string
	// Cases are the cases whose content is cleared: their fields, every
	// text of their log, the working groups' recommendations, the files.
	// They are marked erased at At.
	Cases []int64
	// Only limits the erasure of Person to Cases: the retention of one
	// case leaves the requester's other cases, and the requester, alone.
	// Otherwise the person goes from every table: their member record,
	// sessions, notices and volunteering are deleted, and the outbox's
	// finished items that name them.
	Only bool
	At   time.Time
}

// Redacted stands in a text where a name was erased. It is a sign, not a
// word: every language reads it as something left out.
const Redacted = "[…]"

// minNameRunes is the shortest name looked for in others' texts: a
// shorter one ("Al") would cut into ordinary words.
const minNameRunes = 3

// ErrOpenCases: the person still has cases in progress; they are closed or
// withdrawn before the person is erased (an erased requester cannot be
// told anything, and their case could not go on).
type ErrOpenCases struct{ IDs []int64 }

func (e ErrOpenCases) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = fmt.Sprintf("#%d", id)
	}
	return "open cases " + strings.Join(ids, ", ")
}

// ErasureReport says what an erasure did.
type ErasureReport struct {
	Pseudonym UserID
	Cases     []int64 // the person's cases, now erased
	Rows      int64   // the rows the store changed or deleted
	Posts     int     // the chat posts asked to be shown again without them
	Told      bool    // whether the person is being told, privately
}

// newPseudonym is a fresh pseudonym: random, so that nothing of the
// person (their id, their name) can be read back from it.
func newPseudonym() (UserID, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a pseudonym: %w", err)
	}
	return UserID(ErasedPlatform + ":" + hex.EncodeToString(b[:])), nil
}

// EraseOptions say who erases and whether the person is told.
type EraseOptions struct {
	By UserID // the staff member who erases; empty for an operator
	// Tell asks for the person to be told privately, in their language,
	// on their platform: for a platform the helpdesk delivers to (a
	// process that attaches none, the operator's command, says which).
	Tell bool
}

// Erase erases who: an operator's command or a staff member's, confirmed.
// The message that tells the person is emptied from the outbox once sent.
func (s *Service) Erase(ctx context.Context, who UserID, opt EraseOptions) (ErasureReport, error) {
	by := opt.By
	var rep ErasureReport
	if who == "" || who.Erased() {
		return rep, ErrNoPerson
	}
	err := s.update(ctx, func(w *work) error {
		rep = ErasureReport{}
		m, err := w.tx.Member(who)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("read member %s: %w", who, err)
		}
		known := err == nil
		if !known {
			m = Member{ID: who}
		}
		// One person: every identity linked to who goes, under one
		// pseudonym.
		cases, err := w.casesOf(m, CaseFilter{})
		if err != nil {
			return err
		}
		var open []int64
		for _, c := range cases {
			if c.Stage.Open() {
				open = append(open, c.ID)
			}
			rep.Cases = append(rep.Cases, c.ID)
		}
		if len(open) > 0 {
			return ErrOpenCases{IDs: open}
		}
		touched := slices.Clone(rep.Cases)
		acted := false
		for _, id := range m.IDs() {
			votes, err := w.tx.VotesBy(id)
			if err != nil {
				return err
			}
			acts, err := w.tx.EventsBy(id)
			if err != nil {
				return err
			}
			for _, v := range votes {
				touched = append(touched, v.CaseID)
			}
			for _, e := range acts {
				touched = append(touched, e.CaseID)
			}
			acted = acted || len(votes) > 0 || len(acts) > 0
		}
		if !known && len(cases) == 0 && !acted {
			return fmt.Errorf("%s: %w", who, ErrNotFound)
		}
		// Every case whose posts may show them: theirs, those they voted
		// in, those they acted in (an owner, a claimer, a recommender).
		slices.Sort(touched)
		touched = slices.Compact(touched)

		if rep.Pseudonym, err = newPseudonym(); err != nil {
			return err
		}
		lang := w.langOf(who)
		if known && (opt.Tell || w.s.outlet(who.Platform()) != nil) {
			// Told before the erasure, in the same transaction: the
			// message is the last thing that names them, and goes
			// once the store no longer does.
			told := T("dm.erased").Plural(len(rep.Cases))
			if len(rep.Cases) == 0 {
				told = T("dm.erased.none")
			}
			msg := w.to(who, told)
			msg.Lang = lang
			if who.Platform() == MailPlatform {
				msg.Subject = T("mydata.subject")
			}
			it := Item{Op: OpPost, Place: Place{Kind: InDirect, User: who}, Message: msg, Forget: true}
			if err := w.enqueue(Case{Platform: who.Platform()}, it); err != nil {
				return err
			}
			rep.Told = true
		}
		var names []string
		for _, id := range m.IDs() {
			im, err := w.member(id)
			if err != nil {
				return err
			}
			names = append(names, namesOf(im, id)...)
		}
		slices.Sort(names)
		names = slices.Compact(names)
		for i, id := range m.IDs() {
			e := Erasure{Person: id, Pseudonym: rep.Pseudonym, Cases: rep.Cases, At: w.now}
			if i == 0 {
				e.Names = names // every name of theirs, looked for in one pass
			}
			n, err := w.tx.Erase(e)
			if err != nil {
				return fmt.Errorf("erase %s: %w", id, err)
			}
			rep.Rows += n
		}
		for _, id := range touched {
			c, err := w.tx.Case(id)
			if err != nil {
				return fmt.Errorf("read case %d: %w", id, err)
			}
			if slices.Contains(rep.Cases, id) {
				if err := w.event(c, by, EvErased); err != nil {
					return err
				}
			}
			n, err := w.showAgain(c, slices.Contains(rep.Cases, id))
			if err != nil {
				return err
			}
			rep.Posts += n
		}
		w.membersChanged = true
		return nil
	})
	if err != nil {
		return ErasureReport{}, err
	}
	return rep, nil
}

// namesOf are the ways others' texts may write m: their name, and their
// id without its platform (a mail address, a user name, a number).
func namesOf(m Member, who UserID) []string {
	var names []string
	for _, n := range []string{strings.TrimSpace(m.Name), who.Local()} {
		if utf8.RuneCountInString(n) >= minNameRunes && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// showAgain asks for every post of c that can be shown again from the
// state (its card, its ballots, the groups' cards) to be, and, when its
// content was erased, for its thread to be renamed; it returns how many.
func (w *work) showAgain(c Case, erased bool) (int, error) {
	posts, err := w.tx.PlatformPosts(c.ID, c.Platform)
	if err != nil {
		return 0, fmt.Errorf("read posts of case %d: %w", c.ID, err)
	}
	n := 0
	for _, p := range posts {
		_, group := p.Name.Group()
		switch {
		case p.Name.Ballot() || group:
			if err := w.edit(c, p.Name); err != nil {
				return n, err
			}
		case p.Name == PostThread && erased:
			if err := w.enqueue(c, Item{Op: OpRename, Name: PostThread}); err != nil {
				return n, err
			}
		default:
			continue
		}
		n++
	}
	return n, nil
}

// EraseCase erases the content of closed case id and its requester within
// it, for the retention of closed cases; the requester's other cases keep
// them. It reports false when the case is open or already erased.
func (w *work) eraseCase(c Case) (bool, error) {
	if c.Stage.Open() || !c.ErasedAt.IsZero() {
		return false, nil
	}
	p, err := newPseudonym()
	if err != nil {
		return false, err
	}
	m, err := w.member(c.Requester)
	if err != nil {
		return false, err
	}
	e := Erasure{Person: c.Requester, Pseudonym: p, Names: namesOf(m, c.Requester), Cases: []int64{c.ID}, Only: true, At: w.now}
	if _, err := w.tx.Erase(e); err != nil {
		return false, fmt.Errorf("erase case %d: %w", c.ID, err)
	}
	if c, err = w.tx.Case(c.ID); err != nil {
		return false, fmt.Errorf("read case %d: %w", c.ID, err)
	}
	if err := w.event(c, "", EvErased); err != nil {
		return false, err
	}
	if _, err := w.showAgain(c, true); err != nil {
		return false, err
	}
	return true, nil
}

// Retention is how long the helpdesk keeps what it holds. Zero keeps a
// kind of data (the outbox's record takes DefaultKeepSent).
type Retention struct {
	// KeepClosed is how long a closed case keeps its content and its
	// requester; then it is erased as a person's erasure would.
	KeepClosed time.Duration
	// KeepFiles is how long the files that came with a mailed request
	// are kept once its case is closed.
	KeepFiles time.Duration
	// KeepSent is how long the outbox keeps what it sent or gave up:
	// the texts of every message, for an operator looking into a
	// delivery.
	KeepSent time.Duration
}

// DefaultKeepSent is how long the outbox's record of what was sent is
// kept when the configuration does not say.
const DefaultKeepSent = 30 * 24 * time.Hour

func (r *Retention) fill() {
	if r.KeepSent <= 0 {
		r.KeepSent = DefaultKeepSent
	}
}

// retainBatch is how many closed cases one pass of the retention erases
// in a transaction each; the next tick goes on.
const retainBatch = 50

// retainEvery is how often the timer worker looks for what has been kept
// long enough, by the helpdesk's clock.
const retainEvery = time.Hour

// retain erases what has been kept long enough: closed cases past
// KeepClosed, the files of closed cases past KeepFiles, and the outbox's
// record past KeepSent. It looks at most once every retainEvery; each case
// is erased in a transaction of its own, so the bot goes on meanwhile.
func (s *Service) retain(ctx context.Context) error {
	now := s.clock.Now()
	s.mu.Lock()
	due := s.retainedAt.IsZero() || now.Sub(s.retainedAt) >= retainEvery
	s.mu.Unlock()
	if !due {
		return nil
	}
	r := s.cfg.Privacy
	var files, sent int64
	err := s.update(ctx, func(w *work) error {
		var err error
		if sent, err = w.tx.PruneOutbox(w.now.Add(-r.KeepSent)); err != nil {
			return err
		}
		if r.KeepFiles > 0 {
			files, err = w.tx.DeleteFiles(w.now.Add(-r.KeepFiles))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	erased := 0
	for r.KeepClosed > 0 {
		var cases []Case
		err := s.view(ctx, func(w *work) error {
			var err error
			cases, err = w.tx.ErasableCases(w.now.Add(-r.KeepClosed), retainBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("retention: %w", err)
		}
		for _, c := range cases {
			var done bool
			err := s.update(ctx, func(w *work) error {
				c, err := w.tx.Case(c.ID) // as it stands now: reopened since?
				if err != nil {
					return err
				}
				done, err = w.eraseCase(c)
				return err
			})
			if err != nil {
				return fmt.Errorf("retention of case %d: %w", c.ID, err)
			}
			if done {
				erased++
			}
		}
		if len(cases) < retainBatch {
			break
		}
	}
	s.mu.Lock()
	s.retainedAt = now
	s.mu.Unlock()
	if erased+int(files)+int(sent) > 0 {
		s.log.Info("retention", "cases_erased", erased, "files_deleted", files, "sent_forgotten", sent)
	}
	return nil
}

// eraseCmd is "/helpdesk erase WHO [confirm]", for staff: WHO is someone
// of this platform by name or mention, or a mail address. Without the
// confirmation word it says what it would erase and changes nothing.
func (s *Service) eraseCmd(ctx context.Context, a asker, args string) (Response, error) {
	if !a.Roles.Staff {
		return Response{}, refuse(NotYours, "error.staff_only")
	}
	f := strings.Fields(args)
	if len(f) == 0 {
		return Response{}, refuse(Malformed, "erase.usage", "cmd", command("erase NAME"))
	}
	given := f[0]
	confirmed := len(f) > 1 && s.isWord(a.lang, wordConfirm, strings.Join(f[1:], " "))
	var who UserID
	err := s.view(ctx, func(w *work) error {
		var err error
		who, err = w.personNamed(a.ID.Platform(), given)
		return err
	})
	if err != nil {
		return Response{}, err
	}
	if !confirmed {
		d, err := s.PersonData(ctx, who)
		if err != nil {
			return Response{}, err
		}
		person := Person{ID: who, Name: d.Person.Name}
		if person.Name == "" {
			person.Name = who.Local()
		}
		return s.reply(a.lang, T("erase.confirm", "who", P(person), "votes", N(len(d.Votes)),
			"cmd", command("erase "+given+" "+wordConfirm.en)).Plural(len(d.Cases))), nil
	}
	rep, err := s.Erase(ctx, who, EraseOptions{By: a.ID})
	var open ErrOpenCases
	switch {
	case errors.As(err, &open):
		ids := make([]Text, len(open.IDs))
		for i, id := range open.IDs {
			ids[i] = T("case.ref", "id", caseRef(id))
		}
		return Response{}, refuse(NotNow, "erase.open", "cases", L(ids), "cmd", command("close #N REASON"))
	case errors.Is(err, ErrNotFound):
		return Response{}, refuse(NoSuch, "erase.nobody", "given", S(given))
	case err != nil:
		return Response{}, err
	}
	s.cfg.Logger.Info("erased", "by", string(a.ID), "pseudonym", string(rep.Pseudonym), "cases", len(rep.Cases), "rows", rep.Rows)
	lines := []Text{T("reply.erased", "who", P(Person{ID: rep.Pseudonym})).Plural(len(rep.Cases))}
	if rep.Posts > 0 {
		lines = append(lines, T("reply.erased.posts").Plural(rep.Posts))
	}
	return s.reply(a.lang, lines...), nil
}

// personNamed finds whom a command names: a mail address, a platform id
// as the helpdesk writes it, or someone of platform by mention, user name
// or display name, ignoring case and a leading @.
func (w *work) personNamed(platform, name string) (UserID, error) {
	if id, ok := namedOutright(name); ok {
		return id, nil
	}
	name = bareName(name)
	all, err := w.tx.Members(platform)
	if err != nil {
		return "", fmt.Errorf("list members: %w", err)
	}
	var found []UserID
	for _, m := range all {
		if strings.EqualFold(m.Name, name) || strings.EqualFold(m.ID.Local(), name) {
			found = append(found, m.ID)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", refuse(NoSuch, "erase.nobody", "given", S(name))
	}
	return "", &Refusal{Kind: Malformed, Text: T("erase.ambiguous", "given", S(name)).Plural(len(found))}
}
