package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// exportCase is one case as the export prints it. User ids keep their
// platform prefix ("shell:ana", "discord:8035…").
type exportCase struct {
	ID           int64         `json:"id"`
	Platform     string        `json:"platform"`
	Type         string        `json:"type"`
	Title        string        `json:"title"`
	Description  string        `json:"description"`
	Organisation string        `json:"organisation"`
	Links        string        `json:"links"`
	Timeline     string        `json:"timeline"`
	Stage        string        `json:"stage"`
	Outcome      string        `json:"outcome"` // "" while open
	Requester    string        `json:"requester"`
	Owner        string        `json:"owner"` // "" when nobody looks after it
	Groups       []string      `json:"groups"`
	GroupWork    []exportGroup `json:"group_work"`
	Votes        []exportVote  `json:"votes"`
	Events       []exportEvent `json:"events"`
	CreatedAt    string        `json:"created_at"`
	ClosedAt     string        `json:"closed_at"` // "" while open
	ErasedAt     string        `json:"erased_at"` // "" while its content is kept
	Rating       int           `json:"rating"`    // 0 until rated
	Language     string        `json:"language"`
}

// exportGroup is a working group's part in a case: who sent it there, who
// took it up, its recommendation.
type exportGroup struct {
	Group          string   `json:"group"`
	RoutedBy       string   `json:"routed_by"`
	RoutedAt       string   `json:"routed_at"`
	Claimers       []string `json:"claimers"`
	Recommendation string   `json:"recommendation"`
	RecommendedBy  string   `json:"recommended_by"`
}

type exportVote struct {
	Round       int    `json:"round"`
	Voter       string `json:"voter"`
	Choice      string `json:"choice"`
	Provisional bool   `json:"provisional,omitempty"` // cast in the round still open
}

type exportEvent struct {
	At     string            `json:"at"`
	Actor  string            `json:"actor"` // "" when the helpdesk acted
	Type   string            `json:"type"`
	Detail map[string]string `json:"detail"`
	// Text is what was said: a question, an answer, a note, a
	// recommendation, a reason, a summary, a rating's comment.
	Text string `json:"text"`
	// Internal marks what the requester does not see (bot.Internal).
	Internal bool `json:"internal"`
}

// runExport prints every case of a database as a JSON array.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helpdesk export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs, "")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if c.db == "" {
		fmt.Fprintln(stderr, "helpdesk export: -db PATH is required")
		fs.Usage()
		return exitUsage
	}
	log, cat, cfg, err := c.setup(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk export: %v\n", err)
		return exitError
	}
	// Opening creates a missing database; an export should not.
	if _, err := os.Stat(c.db); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("no database at %s", c.db)
		}
		fmt.Fprintf(stderr, "helpdesk export: %v\n", err)
		return exitError
	}
	store, closeStore, err := openStore(ctx, log, c.db, sqlite.Options{Clock: wallClock{}})
	if err != nil {
		return exitError
	}
	defer closeStore()
	recs, err := bot.New(store, wallClock{}, cat, cfg.Bot).ExportAll(ctx)
	if err != nil {
		log.Error("export", "err", err)
		return exitError
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(exportCases(recs)); err != nil {
		log.Error("write export", "err", err)
		return exitError
	}
	return exitOK
}

// exportCases turns the service's records into the export's shape, with
// empty arrays and objects rather than nulls.
func exportCases(recs []bot.Record) []exportCase {
	out := make([]exportCase, 0, len(recs))
	for _, r := range recs {
		c := r.Case
		x := exportCase{
			ID:           c.ID,
			Platform:     c.Platform,
			Type:         string(c.Type),
			Title:        c.Title,
			Description:  c.Description,
			Organisation: c.Organisation,
			Links:        c.Links,
			Timeline:     c.Timeline,
			Stage:        string(c.Stage),
			Outcome:      string(c.Outcome),
			Requester:    string(c.Requester),
			Owner:        string(c.Owner),
			Groups:       make([]string, 0, len(r.Groups)),
			GroupWork:    make([]exportGroup, 0, len(r.Groups)),
			Votes:        make([]exportVote, 0, len(r.Votes)),
			Events:       make([]exportEvent, 0, len(r.Events)),
			CreatedAt:    c.CreatedAt.UTC().Format(time.RFC3339),
			Rating:       c.Rating,
			Language:     c.Lang,
		}
		if !c.ErasedAt.IsZero() {
			x.ErasedAt = c.ErasedAt.UTC().Format(time.RFC3339)
		}
		if !c.ClosedAt.IsZero() {
			x.ClosedAt = c.ClosedAt.UTC().Format(time.RFC3339)
		}
		for _, g := range r.Groups {
			x.Groups = append(x.Groups, g.Group)
			gw := exportGroup{Group: g.Group, RoutedBy: string(g.RoutedBy), RoutedAt: g.RoutedAt.UTC().Format(time.RFC3339),
				Claimers: make([]string, 0, len(g.Claimers)), Recommendation: g.Recommendation, RecommendedBy: string(g.RecommendedBy)}
			for _, u := range g.Claimers {
				gw.Claimers = append(gw.Claimers, string(u))
			}
			x.GroupWork = append(x.GroupWork, gw)
		}
		for _, v := range r.Votes {
			x.Votes = append(x.Votes, exportVote{Round: v.Round, Voter: string(v.Voter), Choice: string(v.Choice)})
		}
		for _, v := range r.Open { // the round still being voted on: not a decision yet
			x.Votes = append(x.Votes, exportVote{Round: v.Round, Voter: string(v.Voter), Choice: string(v.Choice), Provisional: true})
		}
		for _, e := range r.Events {
			x.Events = append(x.Events, exportEventOf(e))
		}
		out = append(out, x)
	}
	return out
}

// exportEventOf is an event as the export prints it.
func exportEventOf(e bot.Event) exportEvent {
	d := e.Detail
	if d == nil {
		d = map[string]string{}
	}
	return exportEvent{At: e.At.UTC().Format(time.RFC3339), Actor: string(e.Actor), Type: string(e.Type), Detail: d, Text: e.Text, Internal: e.Internal}
}
