// Package clamtest starts a real clamd for tests, with a signature database
// holding only the EICAR test signature: the machine cannot download
// ClamAV's databases, and EICAR is what every scanner is tested with.
//
// Only tests and `fundflow dev` import it; the production build (tag nodev)
// never does.
package clamtest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fundflow/fundflow/internal/adapter/clamd"
)

// EICAR is the antivirus test file. It is assembled at run time so the
// repository holds no file a developer's own scanner would flag.
func EICAR() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
}

// Signature is the name clamd reports for EICAR in this database; clamd
// marks a signature outside its official databases ".UNOFFICIAL".
const Signature = "Fundflow-Test-EICAR.UNOFFICIAL"

// Start runs clamd on a free local port until the test ends and returns
// its address, such as tcp://127.0.0.1:40123. Without clamd installed the
// test is skipped, except under CI, where .ci/run installs it.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("clamd")
	if err != nil {
		bin = "/usr/sbin/clamd"
		if _, serr := os.Stat(bin); serr != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("clamd is not installed; .ci/run installs clamav-daemon")
			}
			t.Skip("clamd is not installed (apt-get install clamav-daemon)")
		}
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "db")
	if err := os.Mkdir(db, 0o700); err != nil {
		t.Fatal(err)
	}
	eicar := EICAR()
	sum := md5.Sum(eicar)
	if err := os.WriteFile(filepath.Join(db, "fundflow-test.hdb"), fmt.Appendf(nil, "%s:%d:%s\n", hex.EncodeToString(sum[:]), len(eicar), strings.TrimSuffix(Signature, ".UNOFFICIAL")), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, `Foreground yes
DatabaseDirectory %s
TCPAddr 127.0.0.1
TCPSocket %d
LogFile %s
PidFile %s
StreamMaxLength 64M
MaxFileSize 64M
MaxScanSize 64M
`, db, port, filepath.Join(dir, "clamd.log"), filepath.Join(dir, "clamd.pid")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf)
	// clamd writes its log file too; the test prints that if clamd fails.
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("tcp://127.0.0.1:%d", port)
	c, err := clamd.New(addr)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx)
		cancel()
		if err == nil {
			return addr
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
			t.Fatalf("clamd did not answer PING: %v\n%s", err, strings.TrimSpace(string(log)))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
