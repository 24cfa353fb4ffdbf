package docs

// TestDocs runs the documentation against a real server, as a reader would
// paste it. Which fenced code blocks of README.md and docs/api-tour.md run
// is decided by the block's info string (the word after the opening ```):
//
//   - ```sh blocks run, in the order they appear, each as one script under
//     `bash -euo pipefail` in a scratch directory, and must exit 0.
//   - ```sh fails=CODE blocks run the same way and must fail with the gRPC
//     status CODE as grpcurl prints it ("Code: InvalidArgument"): the
//     documented refusals.
//   - Nothing else runs: ```console for set-up commands a reader runs once
//     in their own terminal (make run, make test, go test …), ```json or
//     ```text for sample output. ```bash, ```shell and bare ``` blocks are
//     refused, so that a block meant to run cannot be skipped by a typo.
//
// Before a block runs, `localhost:50051` becomes the test server's address
// and the line `alias grpcurl=…` is dropped: the grpcurl pinned in
// tools/go.mod is built into a directory that comes first on PATH, beside
// loand. A block sees nothing another block set (each is its own bash), so
// a variable such as the agreement id is set in the block that uses it.
//
// Three runs, each on a fresh loand with its own SQLite database: the
// README alone, docs/api-tour.md alone, and the README then the api tour on
// one server (the two share ids only for the same request, and run close of
// business in date order). Every run also checks that a few published
// figures are in the output of the block that publishes them (figures,
// below), so the test fails when the documents and the server drift apart.
//
// The runs take about 15 seconds on a 2-core machine once the build cache
// is warm (building grpcurl the first time takes a minute or two more);
// -short skips them. jq must be installed: the restructuring tour uses it.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// The documents whose blocks run, relative to the repository root.
const (
	readme  = "README.md"
	apiTour = "docs/api-tour.md"
)

// figures are published results: the output of the block of doc that
// contains block must contain want.
var figures = []struct{ doc, block, want string }{
	{readme, `"request_id": "create-LN-100"`, `"interestDue": "192.00"`},
	{readme, `"request_id": "pay-LN-100-2"`, `"principalPaid": "1928.83"`},
	{readme, `"as_of": "2026-04-10"}'`, `"penalty": "3.90"`},
	{readme, `"as_of": "2026-04-10"}'`, `"daysPastDue": 5,`},
	{readme, `known_at`, `"daysPastDue": 36`},
	{readme, `ListDelinquentLoans`, `"loanId": "LN-100"`},
	{readme, `QuoteRestructuring`, `"total": "1431.45"`},
	{readme, `QuoteRestructuring`, `"aprPercent": "9.59"`},
	{readme, `AcceptAgreement`, `"status": "AGREEMENT_STATUS_ACTIVE"`},
	{readme, `EventFeedService/SubscribeEvents`, `"requestId": "pay-LN-100-2"`},
	{apiTour, `"installment_count": 360`, `"total": "5307.27"`},
	{apiTour, `"principal": "10000", "daily_rate_percent": "0.05"`, `"annualRateEquivalentPercent": "18.25"`},
	{apiTour, `"principal": "10000", "daily_rate_percent": "0.05"`, `"interest": "155.00"`},
	{apiTour, `"installment_amount": "1000.00"`, `"total": "847.79"`},
	{apiTour, `PAYMENT_TIMING_IN_ADVANCE"}}'`, `"installmentAmount": "1055.63"`},
	{apiTour, `"FREQUENCY_UNIT_SEMI_MONTH"`, `"interest": "24.00"`},
	{apiTour, `ComputeApr`, `"aprPercent": "17.97"`},
	// The credit-card plan of issue 20: internal/engine/testdata/charges_apr.py.
	{apiTour, `"basis": "CHARGE_BASIS_ORIGINAL_PRINCIPAL"}]}}'`, `"fees": "72.00"`},
	{apiTour, `"basis": "CHARGE_BASIS_ORIGINAL_PRINCIPAL"}]}}'`, `"totalFees": "864.00"`},
	{apiTour, `"basis": "CHARGE_BASIS_ORIGINAL_PRINCIPAL"}]}}'`, `"aprPercent": "13.03"`},
	{apiTour, `"basis": "CHARGE_BASIS_OVERDUE_AMOUNT"}]}}'`, `terms.charges[0].basis`},
	{apiTour, `"request_id": "create-FEE-1"`, `"feesDue": "72.00"`},
	{apiTour, `"request_id": "create-FEE-1"`, `"component": "ALLOCATION_COMPONENT_FEES"`},
	{apiTour, `"loan_id": "FEE-1", "payoff_date"`, `"fees": "220.00"`},
	{apiTour, `"loan_id": "FEE-1", "payoff_date"`, `"total": "11220.00"`},
	{apiTour, `"request_id": "pay-FEE-2"`, `"totalCost": "864.00"`},
	{apiTour, `"request_id": "pay-FEE-2"`, `"prepaymentFees": "220.00"`},
	{apiTour, `"request_id": "pay-FEE-2"`, `"totalCost": "292.00"`},
	{apiTour, `"disbursement_date": "2024-02-30"`, `terms.installment_count`},
	{apiTour, `"request_id": "create-LN-1"`, `"aprPercent": "12.00"`},
	// The daily-interest loan: internal/engine/testdata/recalc/handworked.py
	// ("ep360") and internal/engine/testdata/handworked/loan_apr.py.
	{apiTour, `"request_id": "create-DI-1"`, `"interestDue": "55.80"`},
	{apiTour, `"request_id": "create-DI-1"`, `"aprPercent": "18.40"`},
	{apiTour, `"request_id": "pay-DI-1"`, `"prepaidPrincipal": "973.00"`},
	{apiTour, `"request_id": "pay-DI-1"`, `"interestDue": "48.02"`},
	// The loan with tranches: internal/engine/testdata/tranche/handworked.py
	// ("periodic").
	{apiTour, `"request_id": "tranche-TR-1"`, `"disbursedAmount": "18000.00"`},
	{apiTour, `"request_id": "tranche-TR-1"`, `"interestDue": "130.54"`},
	{apiTour, `"request_id": "tranche-TR-1"`, `"principalDue": "1625.58"`},
	{apiTour, `"request_id": "tranche-TR-1"`, `"interest": "334.61"`},
	{apiTour, `"loan_id": "OD-1", "as_of": "2026-04-25"`, `"penalty": "20.40"`},
	{apiTour, `"loan_id": "OD-1", "as_of": "2026-04-25"`, `"compound": "0.10"`},
	{apiTour, `ListDelinquentLoans`, `"loanId": "OD-1"`},
	{apiTour, `ListDueNotices`, `"kind": "NOTICE_KIND_CREDIT_REPORT_PRENOTICE"`},
	{apiTour, `"request_id": "waive-1"`, `"penalty": "18.36"`},
	{apiTour, `"term_extension": {"extra_installments": 3}}}' localhost`, `"total": "1066.18"`},
	{apiTour, `"term_extension": {"extra_installments": 3}}}' localhost`, `"aprPercent": "11.96"`},
	{apiTour, `"request_id": "draw-CL-1-a"`, `"interestDue": "6.00"`},
	{apiTour, `"request_id": "draw-CL-1-a"`, `"principalDue": "47.31"`},
	{apiTour, `"request_id": "draw-CL-1-a"`, `"available": "400.00"`},
	{apiTour, `"request_id": "pay-CL-1-a"`, `"available": "500.00"`},
	{apiTour, `"request_id": "draw-CL-1-c"`, `"available": "0.00"`},
	{apiTour, `"request_id": "pay-CL-2-a"`, `"available": "400.00"`},
	{apiTour, `"request_id": "limit-CL-2"`, `"available": "900.00"`},
	{apiTour, `"credit_line_ids": ["CL-2"]`, "FEED_EVENT_KIND_CREDIT_LINE_DRAWDOWN credit_line/CL-2/2\n"},
	{apiTour, `"credit_line_ids": ["CL-2"]`, "FEED_EVENT_KIND_CREDIT_LINE_LIMIT_CHANGED credit_line/CL-2/5\n"},
	{apiTour, `AcceptAgreement`, `LOAN_EVENT_KIND_AGREEMENT_ACCEPTED`},
}

func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds loand and grpcurl and pastes the docs into three servers (~15 s); skipped with -short")
	}
	for _, tool := range []string{"bash", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed; the docs use it (apt-get install -y %s)", tool, tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	goBuild(t, root, "-o", filepath.Join(bin, "loand"), "./cmd/loand")
	goBuild(t, root, "-modfile=tools/go.mod", "-o", filepath.Join(bin, "grpcurl"), "github.com/fullstorydev/grpcurl/cmd/grpcurl")

	docs := map[string][]block{}
	for _, name := range []string{readme, apiTour} {
		docs[name] = readBlocks(t, filepath.Join(root, name))
	}
	for _, f := range figures {
		if !slices.ContainsFunc(docs[f.doc], func(b block) bool { return strings.Contains(b.text, f.block) }) {
			t.Errorf("%s: no block contains %q, whose output should show %q", f.doc, f.block, f.want)
		}
	}
	for _, run := range []struct {
		name string
		docs []string
	}{
		{"README", []string{readme}},
		{"api-tour", []string{apiTour}},
		{"README_then_api-tour", []string{readme, apiTour}},
	} {
		t.Run(run.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			addr := startLoand(t, bin)
			for _, doc := range run.docs {
				for _, b := range docs[doc] {
					out := runBlock(t, bin, addr, doc, b)
					for _, f := range figures {
						if f.doc == doc && strings.Contains(b.text, f.block) && !strings.Contains(out, f.want) {
							t.Errorf("%s, block at line %d: the output does not contain %q, which the document publishes\n--- output\n%s",
								doc, b.line, f.want, tail(out))
						}
					}
				}
			}
			t.Logf("%s ran in %s", strings.Join(run.docs, " then "), time.Since(start).Round(time.Millisecond))
		})
	}
}

// block is a fenced code block of a document that runs.
type block struct {
	line  int    // of the opening fence, from 1
	text  string // the script, the fence's indentation removed
	fails string // for ```sh fails=CODE, CODE
}

// readBlocks returns the runnable blocks of the Markdown file at path, and
// fails on a block whose info string breaks the convention.
func readBlocks(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []block
		open   bool   // inside a fence
		runs   bool   // the open fence's block runs
		indent string // of the open fence
		cur    block
		lines  []string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		if !open {
			if !strings.HasPrefix(trimmed, "```") {
				continue
			}
			open, indent = true, line[:len(line)-len(trimmed)]
			info := strings.Fields(strings.TrimPrefix(trimmed, "```"))
			lang := ""
			if len(info) > 0 {
				lang = info[0]
			}
			switch lang {
			case "", "bash", "shell", "zsh":
				t.Fatalf("%s:%d: a ```%s block: use ```sh for a block the test runs, ```console for one it must not", path, n, lang)
			}
			runs, cur, lines = lang == "sh", block{line: n}, nil
			for _, attr := range info[1:] {
				code, ok := strings.CutPrefix(attr, "fails=")
				if !ok || !runs || code == "" {
					t.Fatalf("%s:%d: unknown fence attribute %q (only ```sh fails=CODE)", path, n, attr)
				}
				cur.fails = code
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			open = false
			if runs {
				cur.text = strings.Join(lines, "\n") + "\n"
				blocks = append(blocks, cur)
			}
			continue
		}
		lines = append(lines, strings.TrimPrefix(line, indent))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if open {
		t.Fatalf("%s: the block opened at line %d is never closed", path, cur.line)
	}
	if len(blocks) == 0 {
		t.Fatalf("%s: no ```sh blocks", path)
	}
	return blocks
}

// runBlock runs one block against the server at addr and returns its
// output, failing the test if it does not end as the document says.
func runBlock(t *testing.T, bin, addr, doc string, b block) string {
	t.Helper()
	var script []string
	for _, l := range strings.Split(b.text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "alias grpcurl=") {
			continue
		}
		script = append(script, strings.ReplaceAll(l, "localhost:50051", addr))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", strings.Join(script, "\n"))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	switch {
	case b.fails == "" && err != nil:
		t.Fatalf("%s, block at line %d: %v\n--- block\n%s--- output\n%s", doc, b.line, err, b.text, tail(out))
	case b.fails != "" && err == nil:
		t.Fatalf("%s, block at line %d: succeeded; the document says it fails with %s\n--- block\n%s--- output\n%s", doc, b.line, b.fails, b.text, tail(out))
	case b.fails != "" && !strings.Contains(out, "Code: "+b.fails+"\n"):
		t.Fatalf("%s, block at line %d: failed, but not with %s (%v)\n--- block\n%s--- output\n%s", doc, b.line, b.fails, err, b.text, tail(out))
	}
	return out
}

// startLoand starts loand on a free loopback port with a new SQLite
// database, waits until it reports SERVING and stops it at cleanup. The
// port is free when it is chosen; should another process take it before
// loand binds it, loand exits and another port is tried.
func startLoand(t *testing.T, bin string) string {
	t.Helper()
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		addr, err := launchLoand(t, bin, dir, attempt)
		if err == nil {
			return addr
		}
		if attempt == 3 {
			t.Fatal(err)
		}
		t.Logf("%v\ntrying another port", err)
	}
}

// launchLoand runs loand with its database in dir and waits until it
// serves; it returns an error if loand exits first.
func launchLoand(t *testing.T, bin, dir string, attempt int) (string, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logPath := filepath.Join(dir, fmt.Sprintf("loand-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "loand"), "--listen", addr, "--database", "sqlite:"+filepath.Join(dir, "loancore.db"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Registered after dir's own cleanup, so it runs first: loand stops
	// before its database is removed.
	t.Cleanup(func() {
		select {
		case <-exited:
			return // it never served, and said why
		default:
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("loand's log:\n%s", tail(string(log)))
		}
	})

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return addr, nil
		}
		select {
		case werr := <-exited:
			exited <- werr // for the cleanup
			log, _ := os.ReadFile(logPath)
			return "", fmt.Errorf("loand on %s exited before serving (%v):\n%s", addr, werr, log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("loand on %s is not SERVING after a minute (last: %v, %v)", addr, resp.GetStatus(), err)
		}
	}
}

// goBuild runs go build with args in the repository root.
func goBuild(t *testing.T, root string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// tail is the end of a long output, enough to see what went wrong.
func tail(s string) string {
	const max = 6000
	if len(s) <= max {
		return s
	}
	return "…\n" + s[len(s)-max:]
}
