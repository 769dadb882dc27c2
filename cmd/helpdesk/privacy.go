package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// privacyUsage is what "helpdesk privacy" takes.
const privacyUsage = `usage: helpdesk privacy access -db PATH -person WHO
       helpdesk privacy erase -db PATH -person WHO [-yes]
WHO is a person as the helpdesk knows them: a shell name, discord:ID, mattermost:ID or a mail address`

// runPrivacy is "helpdesk privacy access|erase -db PATH -person WHO": what
// the helpdesk holds about a person, as JSON on standard output, for an
// operator answering their request of access; or their erasure.
func runPrivacy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "access" && args[0] != "erase") {
		fmt.Fprintln(stderr, privacyUsage)
		return exitUsage
	}
	verb := args[0]
	name := "helpdesk privacy " + verb
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs, "")
	person := fs.String("person", "", "the person, as the helpdesk knows them: a shell name, discord:ID, mattermost:ID or a mail address")
	yes := false
	if verb == "erase" {
		fs.BoolVar(&yes, "yes", false, "erase: without it, only say what would be erased")
	}
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	who, err := bot.Who(*person)
	if errors.Is(err, bot.ErrNoPerson) {
		err = errors.New("-person WHO is required: a shell name, discord:ID, mattermost:ID or a mail address")
	}
	if err != nil || c.db == "" {
		if err == nil {
			err = errors.New("-db PATH is required")
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	log, cat, cfg, err := c.setup(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitError
	}
	if _, err := os.Stat(c.db); err != nil {
		fmt.Fprintf(stderr, "%s: no database at %s\n", name, c.db)
		return exitError
	}
	store, closeStore, err := openStore(ctx, log, c.db, sqlite.Options{Clock: wallClock{}})
	if err != nil {
		return exitError
	}
	defer closeStore()
	svc := bot.New(store, wallClock{}, cat, cfg.Bot)
	d, err := svc.PersonData(ctx, who)
	if err != nil {
		log.Error(name, "err", err)
		return exitError
	}
	if verb == "erase" {
		return erase(ctx, svc, d, yes, cfg.delivers(who.Platform(), os.Getenv), stdout, stderr, log)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(personJSON(d)); err != nil {
		log.Error("write", "err", err)
		return exitError
	}
	return exitOK
}

// erase is "helpdesk privacy erase": without -yes it says what it would
// erase and changes nothing.
func erase(ctx context.Context, svc *bot.Service, d bot.PersonData, yes, tell bool, stdout, stderr io.Writer, log *slog.Logger) int {
	who := d.Person.ID
	if !yes {
		fmt.Fprintf(stdout, "%s: %d cases filed, %d events elsewhere, %d votes, %d mails, %d files, %d sessions.\n"+
			"Run again with -yes to erase them: the person becomes a pseudonym, their words and files go, the cases' skeletons and the statistics stay.\n",
			who, len(d.Cases), len(d.Activity), len(d.Votes), len(d.Letters), len(d.Files), len(d.Sessions))
		return exitUsage
	}
	rep, err := svc.Erase(ctx, who, bot.EraseOptions{Tell: tell})
	var open bot.ErrOpenCases
	switch {
	case errors.As(err, &open):
		fmt.Fprintf(stderr, "helpdesk privacy erase: %s has %v: close or withdraw them first (helpdesk close in chat), then erase\n", who, open)
		return exitError
	case errors.Is(err, bot.ErrNotFound):
		fmt.Fprintf(stderr, "helpdesk privacy erase: the helpdesk holds nothing of %s\n", who)
		return exitError
	case err != nil:
		log.Error("privacy erase", "err", err)
		return exitError
	}
	told := "not told (their platform is not configured here)"
	if rep.Told {
		told = "told privately once the bot delivers"
	}
	fmt.Fprintf(stdout, "erased: %s is now %s; %d cases, %d rows; %d chat posts to be shown again; %s.\n",
		who, rep.Pseudonym, len(rep.Cases), rep.Rows, rep.Posts, told)
	return exitOK
}

// The JSON of a person's data: snake case, times in RFC 3339, arrays
// never null.
type personOut struct {
	ID        string          `json:"id"`
	Linked    []string        `json:"linked"` // the person's other identities
	Name      string          `json:"name"`
	Locale    string          `json:"locale"`
	Language  string          `json:"language"`
	Roles     bot.Roles       `json:"roles"`
	Digest    *int            `json:"digest_hour"` // null when none
	Reachable bool            `json:"reachable"`
	Cases     []personCaseOut `json:"cases"`
	Activity  []exportEvent   `json:"activity"`
	Votes     []exportVote    `json:"votes"`
	Letters   []letterOut     `json:"letters"`
	Files     []fileOut       `json:"files"`
	Sessions  []sessionOut    `json:"sessions"`
}

type personCaseOut struct {
	exportCase
}

type letterOut struct {
	MessageID string `json:"message_id"`
	Case      int64  `json:"case"`
	At        string `json:"at"`
	Outcome   string `json:"outcome"`
}

type fileOut struct {
	Case      int64  `json:"case"`
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	At        string `json:"at"`
}

type sessionOut struct {
	Created string `json:"created"`
	Expires string `json:"expires"`
}

func personJSON(d bot.PersonData) personOut {
	out := personOut{ID: string(d.Person.ID), Linked: []string{}, Name: d.Person.Name, Locale: d.Person.Locale, Language: d.Person.Lang, Roles: d.Person.Roles,
		Reachable: d.Reachable, Cases: []personCaseOut{}, Activity: []exportEvent{}, Votes: []exportVote{},
		Letters: []letterOut{}, Files: []fileOut{}, Sessions: []sessionOut{}}
	if out.Roles.Groups == nil {
		out.Roles.Groups = []string{}
	}
	for _, id := range d.Person.Also {
		out.Linked = append(out.Linked, string(id))
	}
	if d.Digest >= 0 {
		h := d.Digest
		out.Digest = &h
	}
	for _, pc := range d.Cases {
		recs := exportCases([]bot.Record{{Case: pc.Case, Events: pc.Events}})
		out.Cases = append(out.Cases, personCaseOut{recs[0]})
	}
	for _, e := range d.Activity {
		out.Activity = append(out.Activity, exportEventOf(e))
	}
	for _, v := range d.Votes {
		out.Votes = append(out.Votes, exportVote{Round: v.Round, Voter: string(v.Voter), Choice: string(v.Choice)})
	}
	for _, l := range d.Letters {
		out.Letters = append(out.Letters, letterOut{MessageID: l.MessageID, Case: l.CaseID, At: l.At.UTC().Format(time.RFC3339), Outcome: l.Outcome})
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, fileOut{Case: f.CaseID, Name: f.Name, MediaType: f.MediaType, Size: f.Size, At: f.At.UTC().Format(time.RFC3339)})
	}
	for _, s := range d.Sessions {
		out.Sessions = append(out.Sessions, sessionOut{Created: s.Created.UTC().Format(time.RFC3339), Expires: s.Expires.UTC().Format(time.RFC3339)})
	}
	return out
}
