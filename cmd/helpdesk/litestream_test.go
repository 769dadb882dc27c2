package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the test reads the databases itself

	"github.com/wmse/helpdesk/adapters/discord/discordtest"
)

// litestreamVersion is the Litestream the README documents and CI installs.
const litestreamVersion = "v0.5.18"

// litestreamBinary returns the litestream program: $HELPDESK_LITESTREAM
// (the program, or the directory .ci/run installed it into), else one
// installed by `go install` into the user's cache directory on the first
// run. The test skips, saying why, only when it can be had neither way.
func litestreamBinary(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HELPDESK_LITESTREAM")
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return dir
	}
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("no litestream: no $HELPDESK_LITESTREAM and no cache directory (%v)", err)
		}
		dir = filepath.Join(cache, "helpdesk-test", "litestream-"+litestreamVersion)
	}
	bin := filepath.Join(dir, "litestream")
	if out, err := exec.Command(bin, "version").Output(); err == nil && strings.TrimSpace(string(out)) == litestreamVersion {
		return bin
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/benbjohnson/litestream/cmd/litestream@"+litestreamVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Dir = os.TempDir() // outside this module: its go.mod must not gain litestream
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("no litestream: go install %s failed (set HELPDESK_LITESTREAM to a litestream %s): %v\n%s", litestreamVersion, litestreamVersion, err, out)
	}
	t.Logf("installed litestream %s into %s in %s", litestreamVersion, dir, time.Since(start).Round(time.Second))
	return bin
}

// litestreamConfig is docs/litestream-file.yml with its paths in a test
// directory, and Litestream's debug log (on stderr): it says why a sync had
// to take a snapshot.
func litestreamConfig(t *testing.T, db, replica string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "litestream-file.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	for _, p := range []string{"/data/helpdesk.db", "/backups/helpdesk"} {
		if !strings.Contains(s, p) {
			t.Fatalf("docs/litestream-file.yml does not name %s", p)
		}
	}
	s = strings.NewReplacer("/data/helpdesk.db", db, "/backups/helpdesk", replica).Replace(s)
	return "logging:\n  level: debug\n  stderr: true\n" + s
}

// snapshotReasons are what Litestream logs when the WAL it follows was
// changed under it (v0.5.18, db.go verify): another process truncated,
// restarted or overwrote it, and the replica's chain starts again from a
// snapshot.
var snapshotReasons = []string{
	"wal truncated by another process",
	"wal header salt reset",
	"wal overwritten by another process",
	"full or restart checkpoint detected",
}

// ltxName is an L0 file of a file replica: one per sync, named by its
// transaction id.
var ltxName = regexp.MustCompile(`^([0-9a-f]{16})-([0-9a-f]{16})\.ltx$`)

// watchReplica records when each L0 file of the replica at dir first
// appears, and the largest size of the WAL file at wal (polled every 5 ms),
// until stop is closed.
func watchReplica(dir, wal string, stop <-chan struct{}) (seen func() map[uint64]time.Time, walMax func() int64, done <-chan struct{}) {
	var mu sync.Mutex
	at := map[uint64]time.Time{}
	var walSize int64
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			ents, _ := os.ReadDir(filepath.Join(dir, "ltx", "0"))
			now := time.Now()
			mu.Lock()
			if st, err := os.Stat(wal); err == nil {
				walSize = max(walSize, st.Size())
			}
			for _, e := range ents {
				if m := ltxName.FindStringSubmatch(e.Name()); m != nil {
					txid, _ := strconv.ParseUint(m[2], 16, 64)
					if _, ok := at[txid]; !ok {
						at[txid] = now
					}
				}
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() map[uint64]time.Time {
			mu.Lock()
			defer mu.Unlock()
			out := make(map[uint64]time.Time, len(at))
			for k, v := range at {
				out[k] = v
			}
			return out
		}, func() int64 {
			mu.Lock()
			defer mu.Unlock()
			return walSize
		}, fin
}

// event is a row of the events table.
type event struct {
	id             int64
	caseID         sql.NullInt64
	at, actor, typ string
	detail         string
}

// readEvents reads every event of the database at path (opened for
// reading; a database left by a killed helpdesk is recovered from its WAL).
func readEvents(t *testing.T, path string) []event {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, case_id, at, actor, type, detail FROM events ORDER BY id`)
	if err != nil {
		t.Fatalf("read the events of %s: %v", path, err)
	}
	defer rows.Close()
	var evs []event
	for rows.Next() {
		var e event
		if err := rows.Scan(&e.id, &e.caseID, &e.at, &e.actor, &e.typ, &e.detail); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// queryInt runs a query of one integer on the database at path.
func queryInt(t *testing.T, path, q string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n sql.NullInt64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s on %s: %v", q, path, err)
	}
	return n.Int64
}

// restoreAt restores the replica as of transaction txid (0: the latest)
// into a new file in dir and returns its path.
func restoreAt(t *testing.T, bin, cfg, db, dir string, txid uint64) string {
	t.Helper()
	out := filepath.Join(dir, fmt.Sprintf("txid-%d-%d.db", txid, time.Now().UnixNano()))
	args := []string{"restore", "-config", cfg, "-o", out}
	if txid > 0 {
		args = append(args, "-txid", fmt.Sprintf("%016x", txid))
	}
	if b, err := exec.Command(bin, append(args, db)...).CombinedOutput(); err != nil {
		t.Fatalf("litestream %v: %v\n%s", args, err, b)
	}
	return out
}

// cardIn waits for the bot's card titled title in channel, with its three
// vote reactions, and returns it.
func cardIn(t *testing.T, f *discordtest.Fake, channel, title string, out *lockedBuffer) discordtest.Message {
	t.Helper()
	var card discordtest.Message
	waitFor(t, "the card "+title, func() bool {
		for _, m := range f.MessagesIn(channel) {
			if ti, _ := m.Embed(); strings.Contains(ti, title) && len(m.Reactions) >= 3 {
				card = m
				return true
			}
		}
		return false
	}, out)
	return card
}

// nonceOf is the nonce the bot gave Discord when it posted the card titled
// title in channel.
func nonceOf(t *testing.T, f *discordtest.Fake, channel string, title string) string {
	t.Helper()
	re := regexp.MustCompile(`"nonce":"(h[a-z2-7]{24})"`)
	for _, c := range f.Calls("POST", "/channels/"+channel+"/messages") {
		if strings.Contains(c.Body, title) {
			if m := re.FindStringSubmatch(c.Body); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no post of %q with a nonce", title)
	return ""
}

// outboxRow finds the outbox row whose idempotency key, with installation
// id inst, the Discord adapter made nonce of: "h" and 24 characters of
// base32(SHA-256("helpdesk-INST-ROW\x000")), as adapters/discord's nonce.
// It returns 0 when no row up to 100000 gives nonce.
func outboxRow(nonce, inst string) int64 {
	for row := int64(1); row <= 100000; row++ {
		sum := sha256.Sum256(fmt.Appendf(nil, "helpdesk-%s-%d\x000", inst, row))
		if "h"+strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:24] == nonce {
			return row
		}
	}
	return 0
}

// quantile is the q-quantile of sorted durations (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(q*float64(len(ds))+0.999999) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// Litestream, beside the helpdesk, replicates its database to a file
// replica while the committee votes on Discord; the machine dies (the bot
// and Litestream are killed with SIGKILL); helpdesk restore makes a new
// database from the replica. It holds every vote of the last replicated
// transaction and all before it, exactly as the original had them; it
// passes the integrity check; and its installation id is its own, so a new
// case's card is posted anew rather than swallowed by the nonce of a card
// the original posted after the restore point. A reaction on that card, an
// orphan now, changes nothing. The test measures how long a vote takes to
// reach the replica (see the README, "Operations").
func TestLitestreamReplicaRestores(t *testing.T) {
	bin := litestreamBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "helpdesk.db")
	replica := filepath.Join(dir, "replica")
	cfg := filepath.Join(dir, "litestream.yml")
	if err := os.WriteFile(cfg, []byte(litestreamConfig(t, db, replica)), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(discordtest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := fakeGuild(t)
	// Requesters of their own: a person has at most three cases open.
	for _, id := range []string{"2001", "2002", "2003", "2004"} {
		f.AddMember(id, "requester"+id)
	}

	// Litestream first, as `litestream replicate -exec` runs it.
	ls := exec.Command(bin, "replicate", "-config", cfg)
	var lsLog lockedBuffer
	ls.Stdout, ls.Stderr = &lsLog, &lsLog
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if ls.ProcessState == nil {
			_ = ls.Process.Kill()
			_ = ls.Wait()
		}
	})
	stopWatch := make(chan struct{})
	seen, maxWAL, watched := watchReplica(replica, db+"-wal", stopWatch)
	defer func() { close(stopWatch); <-watched }()

	bot, out := startDiscordBinaryIn(t, dir, f, "HELPDESK_DISCORD_TOKEN_FILE="+tokenFile)
	f.WaitReady(t)
	waitFor(t, "/helpdesk registered", func() bool { return len(f.Calls("PUT", "/commands")) == 1 }, out)
	var cards []string
	for i := range 3 {
		title := fmt.Sprintf("Scans of archive %d", i+1)
		f.Submit(fmt.Sprint(2001+i), "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": title, "description": "Which licence?"})
		cards = append(cards, cardIn(t, f, "100", title, out).ID)
	}

	// The storm: ana and bo put their votes on and take them off again,
	// on every card (two of a committee of three: no round is decided).
	stopStorm := make(chan struct{})
	stormDone := make(chan struct{})
	go func() {
		defer close(stormDone)
		for {
			for _, c := range cards {
				select {
				case <-stopStorm:
					return
				default:
				}
				f.React("1001", c, "✅", false)
				f.React("1002", c, "❌", false)
				time.Sleep(5 * time.Millisecond)
				f.Unreact("1001", c, "✅", false)
				f.Unreact("1002", c, "❌", false)
				time.Sleep(5 * time.Millisecond)
			}
		}
	}()
	time.Sleep(8 * time.Second)
	close(stopStorm)
	<-stormDone

	// The bot settles (its outbox done), and the replica catches up
	// with it: what follows is lost in the crash, and only that.
	type state struct{ events, outbox, pending int64 }
	read := func(path string) state {
		return state{
			events:  queryInt(t, path, `SELECT max(id) FROM events`),
			outbox:  queryInt(t, path, `SELECT max(id) FROM outbox`),
			pending: queryInt(t, path, `SELECT count(*) FROM outbox WHERE state = 'pending'`),
		}
	}
	var settled state
	waitFor(t, "the bot to settle", func() bool {
		a := read(db)
		time.Sleep(time.Second)
		settled = read(db)
		return a == settled && settled.pending == 0
	}, out)
	scratch := t.TempDir()
	deadline := time.Now().Add(20 * time.Second)
	for read(restoreAt(t, bin, cfg, db, scratch, 0)) != settled {
		if time.Now().After(deadline) {
			t.Fatalf("the replica never caught up with %+v; litestream:\n%s", settled, lsLog.String())
		}
		time.Sleep(300 * time.Millisecond)
	}

	// Litestream stops replicating (the network, then the machine, is
	// going). A case is filed and its card posted, votes go on; the
	// machine dies in the middle of them.
	if err := ls.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	const lostTitle = "Letters of the lost case"
	f.Submit("2004", "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": lostTitle, "description": "Filed after the restore point."})
	lost := cardIn(t, f, "100", lostTitle, out)
	lostNonce := nonceOf(t, f, "100", lostTitle)
	for i := 0; queryInt(t, db, `SELECT count(*) FROM events WHERE type LIKE 'vote.%' AND id > `+strconv.FormatInt(settled.events, 10)) < 10; i++ {
		if i > 2000 {
			t.Fatalf("the votes after the restore point were not taken")
		}
		f.React("1001", cards[i%len(cards)], "✅", false)
		f.Unreact("1001", cards[i%len(cards)], "✅", false)
		time.Sleep(5 * time.Millisecond)
	}
	if err := bot.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = bot.Wait()
	if err := ls.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = ls.Wait()

	if dir := os.Getenv("HELPDESK_ARTEFACTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "litestream-replicate.log"), []byte(lsLog.String()), 0o644)
		}
	}
	t.Logf("the WAL grew to %d pages at most; litestream checkpointed %d times",
		maxWAL()/4120, strings.Count(lsLog.String(), "msg=checkpoint "))
	// Nothing the bot did made Litestream start the chain again.
	for _, r := range snapshotReasons {
		if strings.Contains(lsLog.String(), r) {
			t.Errorf("litestream logged %q: the WAL chain was broken; its log:\n%s", r, lsLog.String())
		}
	}

	// The replica's lag: when each transaction's L0 file appeared, and the
	// last event each transaction holds (restored at that transaction).
	arrived := seen()
	var txids []uint64
	for id := range arrived {
		txids = append(txids, id)
	}
	slices.Sort(txids)
	if len(txids) < 3 {
		t.Fatalf("%d transactions replicated: %v", len(txids), txids)
	}
	lastEvent := map[uint64]int64{}
	for _, id := range txids {
		lastEvent[id] = queryInt(t, restoreAt(t, bin, cfg, db, scratch, id), `SELECT max(id) FROM events`)
	}
	orig := readEvents(t, db)
	var lags []time.Duration
	votes := 0
	for _, e := range orig {
		if e.typ != "vote.cast" && e.typ != "vote.removed" {
			continue
		}
		votes++
		committed, err := time.Parse("2006-01-02 15:04:05.000000000Z", e.at)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range txids {
			if lastEvent[id] >= e.id {
				lags = append(lags, arrived[id].Sub(committed))
				break
			}
		}
	}
	slices.Sort(lags)
	t.Logf("%d votes committed, %d replicated in %d transactions (L0 files); lag from commit to the replica: p50 %s, p99 %s, max %s",
		votes, len(lags), len(txids), quantile(lags, 0.5).Round(time.Millisecond), quantile(lags, 0.99).Round(time.Millisecond), quantile(lags, 1).Round(time.Millisecond))
	if len(lags) < 100 {
		t.Errorf("only %d votes replicated: no storm", len(lags))
	}
	if p99 := quantile(lags, 0.99); p99 > 5*time.Second {
		t.Errorf("the replica lags %s at p99, with a sync every second", p99)
	}

	// helpdesk restore, from the replica.
	dir2 := t.TempDir()
	restored := filepath.Join(dir2, "helpdesk.db")
	start := time.Now()
	r := MustRunBinary(t, "", "en_US.UTF-8", "restore", "-config", cfg, "-db", db, "-o", restored, "-litestream", bin)
	took := time.Since(start)
	if r.code != 0 || !strings.Contains(r.stdout, "restored: "+restored) {
		t.Fatalf("helpdesk restore: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("helpdesk restore took %s: %s", took.Round(time.Millisecond), strings.TrimSpace(r.stdout))
	ids := regexp.MustCompile(`installation id ([0-9a-f]{20}), its own \(the original's was ([0-9a-f]{20})\)`).FindStringSubmatch(r.stdout)
	if ids == nil || ids[1] == ids[2] {
		t.Fatalf("installation ids in %q", r.stdout)
	}
	newInst, oldInst := ids[1], ids[2]
	lostRow := outboxRow(lostNonce, oldInst)
	if lostRow == 0 {
		t.Fatalf("the lost card's nonce %s is no outbox row of the original installation %s", lostNonce, oldInst)
	}
	if got := queryInt(t, restored, `SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'`); got != 1 {
		t.Errorf("the restored database fails the integrity check")
	}
	// Every vote up to the last replicated transaction, as the original
	// has it, and nothing else.
	back := readEvents(t, restored)
	last := lastEvent[txids[len(txids)-1]]
	if len(back) == 0 || back[len(back)-1].id != last || len(back) > len(orig) {
		t.Fatalf("the restored database has %d events, the original %d; the replica's last transaction holds event %d", len(back), len(orig), last)
	}
	for i, e := range back {
		if e != orig[i] {
			t.Fatalf("event %d restored as %+v, the original has %+v", e.id, e, orig[i])
		}
	}
	if n := queryInt(t, restored, `SELECT count(*) FROM cases WHERE title = '`+lostTitle+`'`); n != 0 {
		t.Fatalf("the case filed after the restore point is in the restored database")
	}

	// Back to a moment in the middle of the storm, from the replica's URL:
	// a shorter prefix of the same events, none committed after it.
	var mid time.Time
	for _, e := range orig {
		if e.typ == "vote.cast" {
			first, _ := time.Parse("2006-01-02 15:04:05.000000000Z", e.at)
			mid = first.Add(4 * time.Second)
			break
		}
	}
	atMid := filepath.Join(dir2, "mid.db")
	if r := MustRunBinary(t, "", "en_US.UTF-8", "restore", "-replica", "file://"+replica, "-timestamp", mid.Format(time.RFC3339Nano), "-o", atMid, "-litestream", bin); r.code != 0 {
		t.Fatalf("helpdesk restore -timestamp: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	then := readEvents(t, atMid)
	if len(then) == 0 || len(then) >= len(back) {
		t.Fatalf("restored at %s: %d events, the latest restore %d", mid, len(then), len(back))
	}
	for i, e := range then {
		at, _ := time.Parse("2006-01-02 15:04:05.000000000Z", e.at)
		if e != orig[i] || at.After(mid) {
			t.Fatalf("restored at %s: event %+v, the original has %+v", mid, e, orig[i])
		}
	}

	// The helpdesk on the restored database, on the same Discord: a new
	// case gets a card of its own. Its outbox row has the number the lost
	// case's card had; with the original's installation id Discord would
	// have answered with that card.
	_, out2 := startDiscordBinaryIn(t, dir2, f, "HELPDESK_DISCORD_TOKEN_FILE="+tokenFile)
	waitFor(t, "/helpdesk registered again", func() bool { return len(f.Calls("PUT", "/commands")) == 2 }, out2)
	const newTitle = "Maps of the new case"
	f.Submit("2004", "103", "en-GB", "helpdesk:request:guidance", map[string]string{"title": newTitle, "description": "Filed after the restore."})
	card := cardIn(t, f, "100", newTitle, out2)
	newNonce := nonceOf(t, f, "100", newTitle)
	newRow := outboxRow(newNonce, newInst)
	t.Logf("the lost case's card: outbox row %d of installation %s (nonce %s); the new case's: row %d of %s (nonce %s)", lostRow, oldInst, lostNonce, newRow, newInst, newNonce)
	if newRow != lostRow {
		t.Errorf("the new card is outbox row %d, the lost one was %d: the restore did not reuse the row, and the test proves less than it says", newRow, lostRow)
	}
	if card.ID == lost.ID {
		t.Fatalf("the new case's card is the lost case's")
	}
	if ti, _ := f.Message(lost.ID).Embed(); !strings.Contains(ti, lostTitle) {
		t.Errorf("the lost case's card was taken over: %q", ti)
	}
	// A vote on the orphan card changes nothing; one on the new card counts.
	before := queryInt(t, restored, `SELECT count(*) FROM events`)
	f.React("1001", lost.ID, "✅", false)
	f.React("1002", card.ID, "✅", false)
	waitFor(t, "bo's vote on the new card", func() bool {
		return queryInt(t, restored, `SELECT count(*) FROM events WHERE type = 'vote.cast' AND actor = 'discord:1002' AND case_id = (SELECT id FROM cases WHERE title = '`+newTitle+`')`) == 1
	}, out2)
	time.Sleep(500 * time.Millisecond)
	if got := queryInt(t, restored, `SELECT count(*) FROM events`); got != before+1 {
		t.Errorf("%d events after a vote on the orphan card and one on the new card, want %d", got, before+1)
	}
}

// The worked configurations in docs/ are ones Litestream takes: it reads
// them and names the database and its replica (`litestream databases`),
// and every key in them is one Litestream v0.5.18 knows (it ignores
// unknown keys, so a misspelt one would silently do nothing). Secrets are
// not in them.
func TestLitestreamConfigurations(t *testing.T) {
	bin := litestreamBinary(t)
	known := litestreamKeys(t)
	env := append(os.Environ(), "HELPDESK_S3_BUCKET=helpdesk-replica", "HELPDESK_S3_ENDPOINT=http://127.0.0.1:9000", "HELPDESK_S3_REGION=us-east-1")
	key := regexp.MustCompile(`^\s*(?:-\s+)?([a-z0-9-]+):`)
	for file, typ := range map[string]string{"litestream-file.yml": "file", "litestream-s3.yml": "s3"} {
		path := filepath.Join("..", "..", "docs", file)
		cmd := exec.Command(bin, "databases", "-config", path)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^/data/helpdesk\.db\s+`+typ+`\s*$`).Match(out) {
			t.Errorf("litestream databases -config %s: %v\n%s", file, err, out)
		}
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(doc), "\n") {
			if m := key.FindStringSubmatch(line); m != nil && known != nil && !known[m[1]] {
				t.Errorf("%s:%d: Litestream %s knows no key %q", file, i+1, litestreamVersion, m[1])
			}
			if strings.Contains(line, "secret") && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				t.Errorf("%s:%d: a secret in the file: %s", file, i+1, line)
			}
		}
	}
}

// litestreamKeys are the configuration keys of Litestream v0.5.18, read
// from the yaml tags of its source in the module cache (go install put it
// there); nil, logged, when the source is not there.
func litestreamKeys(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Logf("no module cache (%v): the keys are not checked", err)
		return nil
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "github.com", "benbjohnson", "litestream@"+litestreamVersion)
	tag := regexp.MustCompile(`yaml:"([a-z0-9-]+)`)
	keys := map[string]bool{}
	for _, f := range []string{"cmd/litestream/main.go", "internal/log.go"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Logf("no Litestream source (%v): the keys are not checked", err)
			return nil
		}
		for _, m := range tag.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	return keys
}
