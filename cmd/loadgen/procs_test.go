package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A server that cannot start fails its stage with an error naming it;
// closing a stage that failed part way, or none, is safe.
func TestMissingServerIsAnErrorNotAPanic(t *testing.T) {
	d := &driver{o: &options{citizens: 10}, out: io.Discard, errOut: io.Discard, logs: t.TempDir(), ctl: &http.Client{}}
	d.bin.satupintu = filepath.Join(t.TempDir(), "satupintu")
	d.bin.agencysim = filepath.Join(t.TempDir(), "agencysim")
	st, err := d.newStage(t.Context(), bffCached, true)
	if err == nil || !strings.Contains(err.Error(), "starting agencysim") {
		t.Errorf("a stage without an agencysim binary: %v, want an error starting agencysim", err)
	}
	if st != nil {
		t.Errorf("a failed stage was returned: %+v", st)
	}
	(*stage)(nil).close()
	(&stage{d: d}).close()
}

// -bin-dir gets what it lacks, and only that.
func TestBinDirGetsWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	// Only its presence counts: loadgen does not rebuild what is there.
	placeholder := []byte("#!/bin/sh\nexit 1\n")
	if err := os.WriteFile(filepath.Join(dir, "satupintu"), placeholder, 0o755); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	d, err := newDriver(t.Context(), &options{binDir: dir}, &out, &out)
	if err != nil {
		t.Fatalf("newDriver with -bin-dir lacking agencysim: %v\n%s", err, out.String())
	}
	defer d.close()
	if !strings.Contains(out.String(), "building agencysim into "+dir) {
		t.Errorf("loadgen did not say what it builds:\n%s", out.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "satupintu")); err != nil || !bytes.Equal(b, placeholder) {
		t.Errorf("satupintu, present in -bin-dir, was replaced (%v)", err)
	}
	if fi, err := os.Stat(d.bin.agencysim); err != nil || fi.Mode()&0o111 == 0 || filepath.Dir(d.bin.agencysim) != dir {
		t.Errorf("agencysim not built into -bin-dir: %v %v", d.bin.agencysim, err)
	}
}

// Outside the module, with nothing to start, the error says what is
// missing and how to build it.
func TestBinDirOutsideTheModuleSaysHowToBuild(t *testing.T) {
	t.Chdir(t.TempDir())
	dir := t.TempDir()
	_, err := newDriver(t.Context(), &options{binDir: dir}, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("newDriver outside the module with an empty -bin-dir succeeded")
	}
	for _, want := range []string{"lacks satupintu and agencysim", "go build -o " + dir + " ./cmd/satupintu ./cmd/agencysim"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
