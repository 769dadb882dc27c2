package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SignInValid is how long a link of /helpdesk dashboard lets its person
// in: long enough to open it, short enough that one found later in a
// chat's history is of no use.
const SignInValid = 15 * time.Minute

// SignInPath is the dashboard's page that a sign-in link opens.
const SignInPath = "/signin"

// NewSecret returns 32 random bytes, written for a URL: the secret of a
// sign-in link or a session.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24 and later)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecretHash is what the store keeps of a secret: its SHA-256, in hex.
// Whoever reads the database (or a backup) learns no link nor session.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// dashboard answers with a one-time link to the web dashboard, privately.
// Everyone known to the helpdesk may have one: what the dashboard shows
// them follows their roles, read at each request.
func (s *Service) dashboard(ctx context.Context, a asker, _ string) (Response, error) {
	base := strings.TrimRight(s.cfg.DashboardURL, "/")
	if base == "" {
		return s.reply(a.lang, T("dashboard.off")), nil
	}
	secret := NewSecret()
	err := s.update(ctx, func(w *work) error {
		return w.tx.AddSignIn(SecretHash(secret), a.ID, w.now, w.now.Add(SignInValid))
	})
	if err != nil {
		return Response{}, fmt.Errorf("dashboard link: %w", err)
	}
	link := base + SignInPath + "?" + url.Values{"t": {secret}}.Encode()
	return s.reply(a.lang, T("dashboard.link", "url", C(link)).Plural(int(SignInValid/time.Minute))), nil
}

// Viewer is a person looking at the dashboard, with their roles as the
// roster has them now: the dashboard asks at every request, so a member
// who leaves the committee sees what a requester sees at once.
type Viewer struct {
	Member
	Lang string // the language to show the dashboard in
}

// SeesAll reports whether the viewer sees every case of their platform
// (committee, chair, staff), and who voted what.
func (v Viewer) SeesAll() bool { return v.Roles.Committee || v.Roles.Chair || v.Roles.Staff }

// Viewer returns the person id as the dashboard sees them; ErrNotFound
// when the helpdesk does not know them.
func (s *Service) Viewer(ctx context.Context, id UserID) (Viewer, error) {
	var v Viewer
	err := s.view(ctx, func(w *work) error {
		m, err := w.tx.Member(id)
		if err != nil {
			return err
		}
		v = Viewer{Member: m, Lang: s.pickLang(m.Lang, m.Locale)}
		return nil
	})
	return v, err
}

// CaseView is a case as the dashboard shows it to one viewer: every text
// in the core's words, for the catalog to render.
type CaseView struct {
	Case      Case
	Requester Person
	Status    Text // where it stands
	Type      Text
	Rounds    []RoundView
	Groups    []GroupView
	Timeline  []Entry
	// Platform and Thread locate the case's thread (Thread empty when it
	// has none yet).
	Platform, Thread string
}

// RoundView is one vote of the committee on a case.
type RoundView struct {
	N                 int
	Kind              Text
	Opened, Deadline  time.Time
	Closed, Escalated bool
	Result            Text // when decided
	Tally             Text // the votes so far, of those who may vote
	Votes             []VoteView
	ShowsWhoVotedWhat bool
}

// VoteView is one member's vote in a round.
type VoteView struct {
	Voter  Person
	Choice Text
}

// GroupView is a working group a case was routed to.
type GroupView struct {
	Group          Text
	RoutedAt       time.Time
	Claimers       []Person
	Recommendation string
	RecommendedBy  Person
}

// Entry is one event of a case's log.
type Entry struct {
	At   time.Time
	Who  Text
	What Text
}

// CaseView reads case id for viewer, with the rights of the chat: their
// own cases, those of their working groups, and every case of their
// platform for the committee and staff; who voted what only for those.
// A case they may not see is a refusal (error.not_yours), one that does
// not exist error.no_case.
func (s *Service) CaseView(ctx context.Context, viewer Viewer, id int64) (CaseView, error) {
	var cv CaseView
	err := s.view(ctx, func(w *work) error {
		c, err := w.loadCase(id)
		if err != nil {
			return err
		}
		a := asker{Member: viewer.Member, lang: viewer.Lang}
		if ok, err := w.canSee(a, c); err != nil || !ok {
			if err == nil {
				err = refuse("error.not_yours", "id", caseRef(c.ID))
			}
			return err
		}
		votes := viewer.SeesAll()
		// The same few people act on every line of the log: read each once.
		people := map[UserID]Person{}
		person := func(id UserID) Person {
			p, ok := people[id]
			if !ok {
				p = w.person(id)
				people[id] = p
			}
			return p
		}
		cv = CaseView{Case: c, Requester: person(c.Requester), Status: statusLine(c), Type: typeText(c.Type), Platform: c.Platform}
		if p, err := w.tx.Post(c.ID, "thread"); err == nil {
			cv.Thread = p.Ref
		}
		saved, err := w.tx.Votes(c.ID)
		if err != nil {
			return fmt.Errorf("read votes of case %d: %w", c.ID, err)
		}
		for n := 1; n <= c.Round; n++ {
			r, err := w.tx.Round(c.ID, n)
			if err != nil {
				return fmt.Errorf("read round %d of case %d: %w", n, c.ID, err)
			}
			rv := RoundView{N: n, Kind: T("round." + string(r.Kind)), Opened: r.OpenedAt, Deadline: r.Deadline, Closed: r.Closed, Escalated: r.Escalated, ShowsWhoVotedWhat: votes}
			if r.Result != "" {
				rv.Result = choiceText(r.Result)
			}
			b := Ballot{Kind: r.Kind, Votes: map[UserID]Choice{}}
			if !r.Closed && c.Stage.Open() {
				if b, err = w.ballot(c, r); err != nil {
					return err
				}
			} else {
				for _, v := range saved {
					if v.Round == n {
						b.Votes[v.Voter] = v.Choice
						b.Eligible = append(b.Eligible, v.Voter)
					}
				}
			}
			rv.Tally = tallyLine(r, b)
			if votes {
				voters := make([]UserID, 0, len(b.Votes))
				for u := range b.Votes {
					voters = append(voters, u)
				}
				slices.Sort(voters)
				for _, u := range voters {
					rv.Votes = append(rv.Votes, VoteView{Voter: person(u), Choice: choiceText(b.Votes[u])})
				}
			}
			cv.Rounds = append(cv.Rounds, rv)
		}
		as, err := w.tx.Assignments(c.ID)
		if err != nil {
			return fmt.Errorf("read groups of case %d: %w", c.ID, err)
		}
		for _, x := range as {
			g := GroupView{Group: s.groupText(x.Group), RoutedAt: x.RoutedAt, Recommendation: x.Recommendation}
			for _, u := range x.Claimers {
				g.Claimers = append(g.Claimers, person(u))
			}
			if x.RecommendedBy != "" {
				g.RecommendedBy = person(x.RecommendedBy)
			}
			cv.Groups = append(cv.Groups, g)
		}
		evs, err := w.tx.Events(c.ID)
		if err != nil {
			return fmt.Errorf("read events of case %d: %w", c.ID, err)
		}
		for _, e := range evs {
			if !votes && (e.Type == EvVoteCast || e.Type == EvVoteRemoved) {
				continue
			}
			who := T("history.helpdesk")
			if e.Actor != "" {
				who = T("person", "who", P(person(e.Actor)))
			}
			cv.Timeline = append(cv.Timeline, Entry{At: e.At, Who: who, What: s.eventText(e)})
		}
		return nil
	})
	return cv, err
}

// Labels the dashboard shows, in the core's words.
func StageText(st Stage) Text               { return stageText(st) }
func TypeText(t RequestType) Text           { return typeText(t) }
func OutcomeText(o Outcome) Text            { return outcomeText(o) }
func (s *Service) GroupText(id string) Text { return s.groupText(id) }
