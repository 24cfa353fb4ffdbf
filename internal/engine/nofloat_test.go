package engine

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEngineHasNoFloats fails if any Go file of the engine, tests included,
// mentions a binary floating-point type: money arithmetic must stay exact,
// and a float anywhere in the package is one conversion away from a schedule.
// The words are assembled here so that this file does not contain them; a
// repository-wide grep enforces the same rule. Float benchmarks belong in
// internal/schedbench.
func TestEngineHasNoFloats(t *testing.T) {
	banned := []string{"float" + "32", "float" + "64", "complex" + "64", "complex" + "128"}
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, w := range banned {
				if strings.Contains(line, w) {
					t.Errorf("%s:%d mentions %s: %s", path, i+1, w, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("only %d Go files found: is the test running in internal/engine?", files)
	}
}
