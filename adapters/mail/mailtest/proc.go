package mailtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// binaries are the programs Start runs, found once per test process.
type binaries struct {
	master   string // Postfix's master, in its daemon_directory
	dovecot  string
	doveconf string
}

var (
	binsOnce sync.Once
	bins     *binaries
	binsWhy  string
)

// findBinaries finds Postfix's master and Dovecot, or says why not.
func findBinaries() (*binaries, string) {
	binsOnce.Do(func() { bins, binsWhy = lookBinaries() })
	return bins, binsWhy
}

func lookBinaries() (*binaries, string) {
	look := func(name string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		// /usr/sbin is not on every user's PATH.
		if p := filepath.Join("/usr/sbin", name); isExecutable(p) {
			return p
		}
		return ""
	}
	postconf, dovecot, doveconf := look("postconf"), look("dovecot"), look("doveconf")
	switch {
	case postconf == "":
		return nil, "Postfix is not installed (no postconf)"
	case dovecot == "" || doveconf == "":
		return nil, "Dovecot is not installed (no dovecot or doveconf)"
	}
	// The compiled-in default, whatever /etc/postfix/main.cf says.
	out, err := exec.Command(postconf, "-d", "-h", "daemon_directory").Output()
	if err != nil {
		return nil, fmt.Sprintf("postconf -d daemon_directory: %v", err)
	}
	master := filepath.Join(strings.TrimSpace(string(out)), "master")
	if !isExecutable(master) {
		return nil, fmt.Sprintf("Postfix's master is not at %s", master)
	}
	// Where Dovecot's protocols' programs are, from an empty configuration
	// (not /etc/dovecot's): without dovecot-imapd or dovecot-lmtpd, skip.
	out, err = exec.Command(doveconf, "-c", os.DevNull, "-h", "libexec_dir").Output()
	if err != nil {
		return nil, fmt.Sprintf("Dovecot does not run here (doveconf: %v)", err)
	}
	libexec := strings.TrimSpace(string(out))
	for _, prog := range []string{"imap", "lmtp"} {
		if !isExecutable(filepath.Join(libexec, prog)) {
			return nil, fmt.Sprintf("Dovecot's %s is not installed (no %s)", prog, filepath.Join(libexec, prog))
		}
	}
	return &binaries{master: master, dovecot: dovecot, doveconf: doveconf}, ""
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// proc is a server's main process, running in the foreground.
type proc struct {
	name    string
	cmd     *exec.Cmd
	group   bool          // stopped by killing its process group
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, once done
	unwatch func()        // ends its watchdog
}

// startProc starts path with args, its standard output and error appended
// to logPath. With group, the process leads a process group of its own,
// which stop kills rather than asking the process to stop.
func startProc(name, logPath string, group bool, path string, args ...string) (*proc, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the process has its own copy
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr(group)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, group: group, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if p.unwatch, err = watch(p); err != nil {
		p.unwatch = func() {}
		_ = p.stop(time.Second)
		return nil, fmt.Errorf("the watchdog of %s: %w", name, err)
	}
	return p, nil
}

// stop asks the process to stop (SIGTERM: the server stops its children
// and exits) and kills it if it has not within timeout; a process started
// with group is killed at once, with its whole process group. A process
// that had already exited is an error: the servers run until the test
// ends.
func (p *proc) stop(timeout time.Duration) error {
	p.unwatch()
	select {
	case <-p.done:
		return fmt.Errorf("%s had exited before the end of the test: %v", p.name, p.err)
	default:
	}
	if p.group {
		_ = killGroup(p.cmd.Process)
		<-p.done
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %v of SIGTERM: killed", p.name, timeout)
	}
}

// waitGreeting waits until a server at addr sends a line that begins with
// prefix, for up to timeout, or until p exits.
func waitGreeting(p *proc, addr, prefix string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited while starting: %v", p.name, p.err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: no greeting on %s within %v: %v", p.name, addr, timeout, last)
		}
		last = greeting(addr, prefix)
		if last == nil {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func greeting(addr, prefix string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, prefix) {
		return errors.New("greeting " + strings.TrimSpace(line))
	}
	return nil
}
