package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wmse/helpdesk/adapters/metrics"
	"github.com/wmse/helpdesk/adapters/sqlite"
	"github.com/wmse/helpdesk/bot"
)

// backupPrefix names the scheduled backups: helpdesk-20261203T101500Z.db,
// which sort by time as text.
const backupPrefix = "helpdesk-"

// scheduleBackups takes a checked backup into dir every so often until ctx
// ends, keeping the newest keep. A failed one is logged and told to staff
// once a day (they may not read the log); the next is tried as planned.
// Each is counted in the metrics (m may be nil).
func scheduleBackups(ctx context.Context, store *sqlite.Store, svc *bot.Service, dir string, every time.Duration, keep int, m *metrics.Metrics, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			info, err := backupOnce(ctx, store, dir, keep, now)
			if ctx.Err() != nil {
				return
			}
			m.Backup(err == nil, time.Now())
			if err != nil {
				log.Error("scheduled backup failed", "dir", dir, "err", err)
				key := "backup.failed/" + now.UTC().Format("2006-01-02")
				if err := svc.TellStaff(ctx, key, bot.T("notice.backup_failed")); err != nil {
					log.Error("tell staff of the failed backup", "err", err)
				}
				continue
			}
			log.Info("scheduled backup written", "path", info.Path, "bytes", info.Bytes, "cases", info.Cases)
		}
	}
}

// backupOnce writes one checked backup into dir, named for now, and removes
// the oldest scheduled backups beyond keep.
func backupOnce(ctx context.Context, store *sqlite.Store, dir string, keep int, now time.Time) (sqlite.BackupInfo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sqlite.BackupInfo{}, fmt.Errorf("backup directory: %w", err)
	}
	path := filepath.Join(dir, backupPrefix+now.UTC().Format("20060102T150405Z")+".db")
	info, err := store.Backup(ctx, path)
	if err != nil {
		return info, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return info, fmt.Errorf("list the backups: %w", err)
	}
	var ours []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, ".db") {
			ours = append(ours, n)
		}
	}
	sort.Strings(ours)
	for len(ours) > keep {
		if err := os.Remove(filepath.Join(dir, ours[0])); err != nil {
			return info, fmt.Errorf("remove an old backup: %w", err)
		}
		ours = ours[1:]
	}
	return info, nil
}
