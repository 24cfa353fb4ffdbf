package servicing

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidID pins the identifier rule against the regular expression it
// replaced, on every short string over an alphabet with each class.
func TestValidID(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	alphabet := []byte("aZ09._:-/ é")
	var walk func(prefix []byte)
	walk = func(prefix []byte) {
		s := string(prefix)
		if got, want := validID(s), re.MatchString(s); got != want {
			t.Fatalf("validID(%q) = %v, the pattern says %v", s, got, want)
		}
		if len(prefix) == 3 {
			return
		}
		for _, c := range alphabet {
			walk(append(prefix, c))
		}
	}
	walk(nil)
	for _, n := range []int{63, 64, 65} {
		s := strings.Repeat("a", n)
		if validID(s) != re.MatchString(s) {
			t.Fatalf("length %d", n)
		}
	}
}
