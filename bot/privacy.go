package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Access: what the helpdesk holds about one person, for their right of
// access — what they filed and wrote, as they may read it, without what
// others wrote about them internally and without other people's personal
// data (others are named by their part, never by name or id).

// PersonData is everything the helpdesk holds about a person.
type PersonData struct {
	Person    Member
	Digest    int  // the hour of their daily digest, -1 for none
	Reachable bool // whether the last private message to them went through
	// Cases are the cases they filed, each with its events as its
	// requester may read them.
	Cases []PersonCase
	// Activity is what they did in the cases of others: their events,
	// with what they said.
	Activity []Event
	Votes    []Vote
	Letters  []LetterRecord
	Files    []Attachment // without their bytes
	Sessions []SessionInfo
}

// PersonCase is a case a person filed, as they may read it.
type PersonCase struct {
	Case   Case
	Events []Event // visible to the requester; others' ids replaced by their part
}

// Someone is how a person other than the subject is named in their data:
// by their part, never by name or id.
const (
	SomeoneOfTheHelpdesk UserID = "someone-of-the-helpdesk"
)

// ErrNoPerson: Who was given nobody.
var ErrNoPerson = errors.New("no person named")

// Who turns how operators name a person into their id: "discord:ID" and
// the like as they are, a mail address as "mail:address", anything else
// as a name in the shell.
func Who(s string) (UserID, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", ErrNoPerson
	case strings.Contains(s, ":"):
		return UserID(s), nil
	case strings.Contains(s, "@"):
		return UserID("mail:" + strings.ToLower(s)), nil
	}
	return UserID("shell:" + s), nil
}

// PersonData reads everything the helpdesk holds about who, and about the
// identities linked to who: one person (helpdesk privacy access, and
// /helpdesk mydata).
func (s *Service) PersonData(ctx context.Context, who UserID) (PersonData, error) {
	var d PersonData
	err := s.view(ctx, func(w *work) error {
		var err error
		if d.Person, err = w.member(who); err != nil {
			return err
		}
		if d.Digest, err = w.tx.Digest(who); err != nil {
			return err
		}
		if d.Reachable, err = w.tx.Reachable(who); err != nil {
			return err
		}
		cases, err := w.casesOf(d.Person, CaseFilter{})
		if err != nil {
			return err
		}
		own := map[int64]bool{}
		for _, c := range cases {
			own[c.ID] = true
			evs, err := w.tx.Events(c.ID)
			if err != nil {
				return err
			}
			pc := PersonCase{Case: c}
			for _, e := range evs {
				if e.Internal {
					continue // what the helpdesk said among itself about them
				}
				if e.Actor != "" && !d.Person.Is(e.Actor) {
					e.Actor = SomeoneOfTheHelpdesk
				}
				e.Detail = strip(e.Detail)
				pc.Events = append(pc.Events, e)
			}
			pc.Case.Owner = ""
			if c.Owner != "" {
				pc.Case.Owner = SomeoneOfTheHelpdesk
			}
			d.Cases = append(d.Cases, pc)
		}
		for _, id := range d.Person.IDs() {
			evs, err := w.tx.EventsBy(id)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if !own[e.CaseID] {
					e.Detail = strip(e.Detail)
					d.Activity = append(d.Activity, e)
				}
			}
			votes, err := w.tx.VotesBy(id)
			if err != nil {
				return err
			}
			d.Votes = append(d.Votes, votes...)
			letters, err := w.tx.LettersFrom(id)
			if err != nil {
				return err
			}
			d.Letters = append(d.Letters, letters...)
			files, err := w.tx.FilesFrom(id)
			if err != nil {
				return err
			}
			d.Files = append(d.Files, files...)
			all, _, err := w.tx.Sessions(id.Platform(), w.now, 0, 1000)
			if err != nil {
				return err
			}
			for _, si := range all {
				if si.User == id {
					d.Sessions = append(d.Sessions, si)
				}
			}
		}
		return nil
	})
	if err != nil {
		return PersonData{}, fmt.Errorf("data of %s: %w", who, err)
	}
	return d, nil
}

// strip leaves out the details of an event that name other people (an
// owner, a name recorded with it).
func strip(d map[string]string) map[string]string {
	if d == nil {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, v := range d {
		switch k {
		case "owner", "name":
			continue
		}
		out[k] = v
	}
	return out
}

// MyDataPath is the dashboard's page that gives a signed-in person their
// data as a file (what helpdesk privacy access prints); a sign-in link
// made by /helpdesk mydata leads there.
const MyDataPath = "/mydata.json"

// mydata answers "/helpdesk mydata" with a one-time link, privately, that
// signs the person in to the dashboard and downloads everything the
// helpdesk holds about them. Without a dashboard, staff are the way.
func (s *Service) mydata(ctx context.Context, a asker, _ string) (Response, error) {
	base := strings.TrimRight(s.cfg.DashboardURL, "/")
	if base == "" {
		return s.reply(a.lang, T("mydata.off")), nil
	}
	link, err := s.signInLink(ctx, a.ID, base, MyDataPath)
	if err != nil {
		return Response{}, fmt.Errorf("mydata link: %w", err)
	}
	return s.reply(a.lang, T("mydata.link", "url", C(link)).Plural(int(SignInValid/time.Minute))), nil
}
