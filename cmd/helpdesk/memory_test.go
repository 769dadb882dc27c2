package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wmse/helpdesk/adapters/mattermost/mmtest"
	"github.com/wmse/helpdesk/adapters/metrics/metricstest"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// idleFor is how long the program idles before it is measured.
var idleFor = 20 * time.Second

// memory is a process's resident memory from /proc (Linux), in KiB: all
// of it, and its anonymous (heap, stacks, SQLite's caches) and file-backed
// (the program's own code, shared with every process running it) parts.
type memory struct{ rss, anon, file int }

func residentKiB(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, l := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch name {
		case "VmRSS":
			m.rss = n
		case "RssAnon":
			m.anon = n
		case "RssFile":
			m.file = n
		default:
			continue
		}
		if err != nil {
			return memory{}, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
	}
	if m.rss == 0 {
		return memory{}, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return m, nil
}

// BenchmarkIdleMemory10000Cases runs the built program on Mattermost (the
// fake) with a database of 10,000 cases, 500 of them under review,
// metrics and the operators' server on, waits until it is ready and idle, and reports its resident memory
// (MB-rss; the issue aims at 40) next to that of the same program on an
// empty database (MB-rss-empty), measured in the same run.
func BenchmarkIdleMemory10000Cases(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("resident memory is read from /proc (Linux)")
	}
	measure := func(cases int) memory {
		const token = "mm-secret-token-4242424242"
		fake := mmtest.New(token, "wmse")
		defer fake.Close()
		bea := fake.AddUser("bea", "en")
		fake.AddChannel("expert-committee", true, bea)
		groups := groupChannels(fake)
		dir := b.TempDir()
		db := filepath.Join(dir, "helpdesk.db")
		fill(b, db, cases)
		addr, ops := freeAddr(b), freeAddr(b)
		cfg := filepath.Join(dir, "helpdesk.toml")
		conf := fmt.Sprintf("[http]\nlisten = %q\n[mattermost]\nteam = \"wmse\"\ncommittee_channel = \"expert-committee\"\ncommittee = [\"bea\"]\nlisten = %q\ncallback_url = \"http://%s\"\n[mattermost.groups]\n%s", ops, addr, addr, groups)
		if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
			b.Fatal(err)
		}
		p := startMM(b, fake, token, cfg, db)
		defer p.stop()
		// Ready: connected and every ballot read again. Then idle a while,
		// as between two votes, for the collector to have run.
		p.wait("ready", func() bool { return strings.Contains(p.stderr.String(), "websocket connected") })
		time.Sleep(idleFor)
		mem, err := residentKiB(p.cmd.Process.Pid)
		if err != nil {
			b.Fatal(err)
		}
		fams := metricstest.Get(b, "http://"+ops+"/metrics")
		b.Logf("%d cases: %+v KiB; Go heap in use %.0f KiB", cases, mem, fams.Value(b, "go_memstats_heap_inuse_bytes")/1024)
		return mem
	}
	b.ResetTimer()
	var full, empty memory
	for range b.N {
		e, f := measure(0), measure(10000)
		empty.rss, empty.anon, empty.file = empty.rss+e.rss, empty.anon+e.anon, empty.file+e.file
		full.rss, full.anon, full.file = full.rss+f.rss, full.anon+f.anon, full.file+f.file
	}
	mb := func(kib int) float64 { return float64(kib) / 1024 / float64(b.N) }
	b.ReportMetric(mb(full.rss), "MB-rss")
	b.ReportMetric(mb(full.anon), "MB-anon")
	b.ReportMetric(mb(full.file), "MB-file")
	b.ReportMetric(mb(empty.rss), "MB-rss-empty")
	b.ReportMetric(0, "ns/op")
}

// fill writes n cases to a new database at path, one in twenty under
// initial review (its round open), the others closed.
func fill(b *testing.B, path string, n int) {
	b.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	err = store.Update(ctx, func(tx bot.Tx) error {
		for i := range n {
			st := bot.Closed
			if i%20 == 0 {
				st = bot.InitialReview
			}
			at := time.Now().Add(-time.Duration(n-i) * time.Hour)
			c := &bot.Case{Platform: "mattermost", Type: bot.MediaUpload, Title: fmt.Sprintf("Case %d: 300 scans from the city archive", i),
				Description: strings.Repeat("Glass plates, 1890–1910, public domain. ", 10),
				Requester:   bot.UserID(fmt.Sprintf("mattermost:%026d", 1000+i%700)), Lang: "de", Stage: st, Round: 1, CreatedAt: at, UpdatedAt: at}
			if err := tx.CreateCase(c); err != nil {
				return err
			}
			if st == bot.InitialReview {
				r := bot.Round{CaseID: c.ID, N: 1, Kind: bot.InitialRound, Post: "card", OpenedAt: at, Deadline: at.Add(24 * 365 * time.Hour)}
				if err := tx.OpenRound(r); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
