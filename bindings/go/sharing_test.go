package annoy_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	annoy "github.com/annoy-rs/annoy/bindings/go"
)

// The cross-process test re-executes this test binary; these variables select child mode.
const (
	childEnv      = "ANNOY_GO_TEST_CHILD"
	childIndexEnv = "ANNOY_GO_TEST_INDEX"
	childDimEnv   = "ANNOY_GO_TEST_DIM"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "share" {
		os.Exit(sharingChild())
	}
	os.Exit(m.Run())
}

// sharingQueries is the fixed work every process does on the shared index.
func sharingQueries(idx *annoy.Index) ([][]annoy.Result, error) {
	var out [][]annoy.Result
	rng := rand.New(rand.NewPCG(77, 77))
	for q := range 40 {
		var res []annoy.Result
		var err error
		if q%2 == 0 {
			res, err = idx.QueryItem(q*811%idx.NItems(), 10, annoy.DefaultSearchK)
		} else {
			v := make([]float32, idx.Dim())
			for i := range v {
				v[i] = rng.Float32() - 0.5
			}
			res, err = idx.QueryVector(v, 10, annoy.DefaultSearchK)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// sharingChild loads the index with prefault, answers the queries on stdout (one JSON line:
// the parent's cue that the file is mapped), then holds the mapping until stdin closes.
func sharingChild() int {
	dim, _ := strconv.Atoi(os.Getenv(childDimEnv))
	idx, err := annoy.Open(os.Getenv(childIndexEnv), dim, annoy.Angular, annoy.WithPrefault())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	res, err := sharingQueries(idx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	line, _ := json.Marshal(res)
	os.Stdout.Write(append(line, '\n'))
	io.Copy(io.Discard, os.Stdin)
	idx.Close()
	return 0
}

// mapping sums the /proc/<pid>/smaps entries (in kB) of every mapping of path.
type mapping struct {
	vmas                                                   int
	perms                                                  string
	size, rss, pss, sharedClean, sharedDirty, privateClean int64
}

var vmaHeader = regexp.MustCompile(`^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$`)

func readSmaps(pid int, path string) (mapping, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return mapping{}, err
	}
	defer f.Close()
	var m mapping
	inside := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if h := vmaHeader.FindStringSubmatch(line); h != nil {
			inside = h[2] == path
			if inside {
				m.vmas++
				m.perms = h[1]
			}
			continue
		}
		if !inside {
			continue
		}
		key, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "Size":
			m.size += kb
		case "Rss":
			m.rss += kb
		case "Pss":
			m.pss += kb
		case "Shared_Clean":
			m.sharedClean += kb
		case "Shared_Dirty":
			m.sharedDirty += kb
		case "Private_Clean":
			m.privateClean += kb
		}
	}
	return m, sc.Err()
}

// Several OS processes load one index file of more than 64 MiB with prefault; /proc shows
// that they share its pages (one copy in memory, not one per process) and they all answer
// the same.
func TestCrossProcessSharingOfALoadedIndex(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/<pid>/smaps")
	}
	if testing.Short() {
		t.Skip("builds a 70 MB index")
	}
	const (
		dim      = 512
		items    = 34000
		children = 4
	)
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "shared.ann")

	start := time.Now()
	idx := must(annoy.NewAngular(dim))
	defer idx.Close()
	idx.SetSeed(1)
	rng := rand.New(rand.NewPCG(5, 5))
	v := make([]float32, dim)
	for i := range items {
		for j := range v {
			v[j] = rng.Float32() - 0.5
		}
		if err := idx.Add(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := idx.Build(10, annoy.AllCores); err != nil {
		t.Fatal(err)
	}
	if err := idx.Save(path); err != nil {
		t.Fatal(err)
	}
	want, err := sharingQueries(idx)
	if err != nil {
		t.Fatal(err)
	}
	idx.Close() // the parent keeps no mapping: only the children's count below
	// Save does not fsync, so the freshly written pages would show as Shared_Dirty until the
	// kernel writes them back. Flush them, as a file built offline would be.
	if f, err := os.Open(path); err != nil {
		t.Fatal(err)
	} else {
		err = f.Sync()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	fileKB := st.Size() / 1024
	if st.Size() <= 64<<20 {
		t.Fatalf("index file is %d bytes, want more than 64 MiB", st.Size())
	}
	t.Logf("built and saved %d × %d angular index: %.1f MiB in %v", items, dim, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))

	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines chan string
	}
	var kids []*child
	defer func() {
		for _, k := range kids {
			k.stdin.Close()
			k.cmd.Wait()
		}
	}()
	for range children {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=share", childIndexEnv+"="+path, childDimEnv+"="+strconv.Itoa(dim))
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		k := &child{cmd: cmd, stdin: stdin, lines: make(chan string, 1)}
		kids = append(kids, k)
		go func() {
			sc := bufio.NewScanner(stdout)
			sc.Buffer(nil, 1<<24)
			if sc.Scan() {
				k.lines <- sc.Text()
			}
			close(k.lines)
			io.Copy(io.Discard, stdout)
		}()
	}

	// Every child has mapped the file and answered: compare, then look at /proc while all
	// of them still hold the mapping.
	for i, k := range kids {
		select {
		case line, ok := <-k.lines:
			if !ok {
				t.Fatalf("child %d (pid %d) exited without answering", i, k.cmd.Process.Pid)
			}
			var got [][]annoy.Result
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("child %d answers differ from the parent's", i)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("child %d did not answer", i)
		}
	}
	var sumPss, sumRss int64
	for i, k := range kids {
		m, err := readSmaps(k.cmd.Process.Pid, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("child %d (pid %d): %d mapping(s) %s, Size %d kB, Rss %d kB, Pss %d kB, Shared_Clean %d kB, Shared_Dirty %d kB, Private_Clean %d kB",
			i, k.cmd.Process.Pid, m.vmas, m.perms, m.size, m.rss, m.pss, m.sharedClean, m.sharedDirty, m.privateClean)
		if m.vmas == 0 {
			t.Fatalf("child %d does not map %s", i, path)
		}
		if !strings.HasSuffix(m.perms, "s") || strings.Contains(m.perms, "w") {
			t.Errorf("child %d maps the file %s, want read-only shared", i, m.perms)
		}
		if m.size < fileKB {
			t.Errorf("child %d maps %d kB of a %d kB file", i, m.size, fileKB)
		}
		if m.rss < fileKB*9/10 {
			t.Errorf("child %d has %d kB of the %d kB file resident after prefault", i, m.rss, fileKB)
		}
		if m.sharedClean == 0 || m.sharedClean+m.sharedDirty < m.rss*9/10 {
			t.Errorf("child %d: Shared_Clean %d kB, Shared_Dirty %d kB of Rss %d kB", i, m.sharedClean, m.sharedDirty, m.rss)
		}
		sumPss += m.pss
		sumRss += m.rss
	}
	ratio := float64(sumPss) / float64(fileKB)
	t.Logf("file %d kB; %d processes: sum Rss %d kB (%.2f × file), sum Pss %d kB (%.2f × file; unshared would be %d×)",
		fileKB, children, sumRss, float64(sumRss)/float64(fileKB), sumPss, ratio, children)
	if ratio > 1.25 || ratio < 0.75 {
		t.Errorf("sum of Pss is %.2f × the file size, want about 1 (pages shared)", ratio)
	}
	for i, k := range kids {
		k.stdin.Close()
		if err := k.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v", i, err)
		}
	}
	kids = nil
}
