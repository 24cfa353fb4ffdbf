package grpcapi

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// requestStringFields yields every string or bytes field of a message
// that some loancore.v1 RPC takes, nested messages included, once each,
// with the message that declares it.
func requestStringFields(t *testing.T) map[protoreflect.FullName]protoreflect.FieldDescriptor {
	t.Helper()
	out := map[protoreflect.FullName]protoreflect.FieldDescriptor{}
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			switch fd.Kind() {
			case protoreflect.StringKind, protoreflect.BytesKind:
				out[fd.FullName()] = fd
			case protoreflect.MessageKind, protoreflect.GroupKind:
				walk(fd.Message())
			}
		}
	}
	services := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("loancore.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			services++
			methods := f.Services().Get(i).Methods()
			for j := range methods.Len() {
				walk(methods.Get(j).Input())
			}
		}
		return true
	})
	if services < 4 || len(out) < 30 {
		t.Fatalf("found %d services and %d request string fields: is the registry empty?", services, len(out))
	}
	return out
}

// TestEveryRequestStringIsBounded: every string field of every request
// has a maximum of its own in fieldMaxBytes (the default is for other
// services' fields), and its comment in proto/loancore/v1 states it, so
// a new field cannot slip in bounded by accident or undocumented.
func TestEveryRequestStringIsBounded(t *testing.T) {
	comments := protoFieldComments(t)
	for name, fd := range requestStringFields(t) {
		if fd.IsMap() {
			t.Errorf("%s is a map: give its keys and values bounds of their own", name)
		}
		n, ok := fieldMaxBytes[fd.Name()]
		if !ok {
			t.Errorf("%s has no maximum: add %q to fieldMaxBytes", name, fd.Name())
			continue
		}
		want := fmt.Sprintf("at most %d bytes", n)
		if c, ok := comments[string(name)]; !ok || !strings.Contains(strings.ToLower(c), want) {
			t.Errorf("%s: its comment in proto/loancore/v1 does not say %q: %q", name, want, c)
		}
	}
}

var (
	messageLine = regexp.MustCompile(`^message (\w+) \{`)
	fieldLine   = regexp.MustCompile(`^\s+(?:repeated |optional )?(?:string|bytes) (\w+) = \d+;`)
)

// protoFieldComments reads the comment above each string field of the
// top-level messages of proto/loancore/v1, by full name.
func protoFieldComments(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../proto/loancore/v1/*.proto")
	if err != nil || len(files) == 0 {
		t.Fatalf("proto files: %v, %v", files, err)
	}
	out := map[string]string{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var message string
		var comment []string
		for sc := bufio.NewScanner(f); sc.Scan(); {
			line := sc.Text()
			if m := messageLine.FindStringSubmatch(line); m != nil {
				message = m[1]
			}
			if m := fieldLine.FindStringSubmatch(line); m != nil {
				out["loancore.v1."+message+"."+m[1]] = strings.Join(comment, " ")
			}
			if c, ok := strings.CutPrefix(strings.TrimSpace(line), "//"); ok {
				comment = append(comment, strings.TrimSpace(c))
			} else {
				comment = nil
			}
		}
		_ = f.Close()
	}
	return out
}

// BenchmarkCheckBounds is what the bounds cost a repayment, the call a
// busy server makes most.
func BenchmarkCheckBounds(b *testing.B) {
	req := &loancorev1.RecordRepaymentRequest{RequestId: "pay-LN-100-1", LoanId: "LN-100", Amount: "2105.52", ValueDate: "2026-02-05"}
	for b.Loop() {
		if err := checkBounds(req); err != nil {
			b.Fatal(err)
		}
	}
}
