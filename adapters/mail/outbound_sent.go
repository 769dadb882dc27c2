package mail

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The sent log: the letters the Outlet sent lately — when, to whom, with
// which outbox key. It answers two questions: how many letters an address
// had in the last 24 hours (the daily cap), and whether an outbox item's
// letter went out already (a retry after the server accepted it but the
// core could not record it). Kept in a file, it answers them across a
// restart: one JSON line appended and synced per letter, compacted when
// opened. A crash between the server's acceptance and the line costs one
// letter of the count and one duplicate at most.

// capWindow is the period of the daily cap.
const capWindow = 24 * time.Hour

// sentKeep is how long a letter is remembered: longer than the cap's
// window and than the outbox's retries of one item (about five hours).
const sentKeep = 2 * capWindow

// sentEntry is one letter sent.
type sentEntry struct {
	At  time.Time `json:"at"`
	To  string    `json:"to"`
	Key string    `json:"key"`
}

// sentLog is the record of recent letters; the Outlet's mu guards it.
type sentLog struct {
	path    string
	f       *os.File // nil when in memory only
	entries []sentEntry
	keys    map[string]bool
	lines   int // lines in the file since it was compacted
}

// openSentLog reads the letters of the last two days from path ("" keeps
// them in memory only), and writes the file again without the older ones.
// A line cut short by a crash is skipped.
func openSentLog(path string, now time.Time) (*sentLog, error) {
	l := &sentLog{path: path, keys: map[string]bool{}}
	if path == "" {
		return l, nil
	}
	buf, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the sent log: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(buf))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		var e sentEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.To == "" {
			continue
		}
		l.entries = append(l.entries, e)
	}
	// In the order they were sent, which prune relies on (a clock set
	// back meanwhile writes lines out of order).
	slices.SortStableFunc(l.entries, func(a, b sentEntry) int { return a.At.Compare(b.At) })
	l.prune(now)
	for _, e := range l.entries {
		l.keys[e.Key] = true
	}
	if err := l.compact(); err != nil {
		return nil, err
	}
	return l, nil
}

// compact writes the file again with the entries kept, beside it and then
// in its place, and opens it for appending.
func (l *sentLog) compact() error {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
	var b bytes.Buffer
	for _, e := range l.entries {
		line, _ := json.Marshal(e)
		b.Write(line)
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(l.path), ".sentlog-*")
	if err != nil {
		return fmt.Errorf("write the sent log: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write the sent log: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write the sent log: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the sent log: %w", err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fmt.Errorf("write the sent log: %w", err)
	}
	// The file names the people the helpdesk writes to: the owner's only.
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the sent log: %w", err)
	}
	l.f, l.lines = f, len(l.entries)
	return nil
}

// prune forgets the letters older than sentKeep.
func (l *sentLog) prune(now time.Time) {
	i := 0
	for i < len(l.entries) && now.Sub(l.entries[i].At) >= sentKeep {
		delete(l.keys, l.entries[i].Key)
		i++
	}
	if i > 0 {
		l.entries = append(l.entries[:0], l.entries[i:]...)
	}
}

// has reports whether the letter of key was sent.
func (l *sentLog) has(key string, now time.Time) bool {
	l.prune(now)
	return l.keys[key]
}

// count is how many letters to went out in the cap's window before now.
func (l *sentLog) count(to string, now time.Time) int {
	n := 0
	for _, e := range l.entries {
		if e.To == to && now.Sub(e.At) < capWindow {
			n++
		}
	}
	return n
}

// add notes a letter sent, in the file first.
func (l *sentLog) add(e sentEntry) error {
	l.entries = append(l.entries, e)
	l.keys[e.Key] = true
	if l.f == nil {
		return nil
	}
	if l.lines > 1000 && l.lines > 2*len(l.entries) {
		return l.compact() // it writes e with the rest
	}
	line, _ := json.Marshal(e)
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("note in the sent log: %w", err)
	}
	l.lines++
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("note in the sent log: %w", err)
	}
	return nil
}

// close closes the file.
func (l *sentLog) close() error {
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
