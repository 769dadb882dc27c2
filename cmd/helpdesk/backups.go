package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
			logRotation(log, info)
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

// backupOnce writes one checked backup into dir, named for now, and
// removes the oldest scheduled backups beyond keep. Only backups this
// database recorded as written are removed, and only while each is still
// the file written (see sqlite.Store.ScheduledBackup); other files in dir,
// whatever their names, are left alone. info lists what was removed.
func backupOnce(ctx context.Context, store *sqlite.Store, dir string, keep int, now time.Time) (sqlite.BackupInfo, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return sqlite.BackupInfo{}, fmt.Errorf("backup directory: %w", err)
	}
	path := filepath.Join(dir, backupPrefix+now.UTC().Format("20060102T150405Z")+".db")
	return store.ScheduledBackup(ctx, path, keep)
}

// logRotation says what a rotation removed, and which records of backups
// it dropped without removing anything (and why).
func logRotation(log *slog.Logger, info sqlite.BackupInfo) {
	for _, p := range info.Removed {
		log.Info("old backup removed", "path", p)
	}
	for _, f := range info.Forgotten {
		log.Warn("a recorded backup is not the file written; left alone and no longer rotated", "path", f.Path, "why", f.Why)
	}
}
