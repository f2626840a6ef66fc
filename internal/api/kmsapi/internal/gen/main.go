// Command gen generates package kmsapi's wire types (zz_shapes.go) and the
// AWS-exact structural input validation (zz_validate.go) from the KMS
// service model committed at model/kms-2014-11-01.json.
//
// Usage, from internal/api/kmsapi (go generate does this):
//
//	go run ./internal/gen
//	go run ./internal/gen -refresh $(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/kms/2014-11-01/service-2.json.gz
//
// -refresh rewrites the committed model from a botocore service-2.json(.gz)
// with its documentation removed, then generates as usual.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
)

const modelFile = "model/kms-2014-11-01.json"

func main() {
	dir := flag.String("dir", "", "the kmsapi package directory (default: . or internal/api/kmsapi, whichever holds "+modelFile+")")
	refresh := flag.String("refresh", "", "rebuild the committed model from this botocore service-2.json(.gz) first")
	flag.Parse()
	if err := run(*dir, *refresh); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, refresh string) error {
	if dir == "" {
		dir = findDir()
	}
	modelPath := filepath.Join(dir, modelFile)
	if refresh != "" {
		src, err := readMaybeGzip(refresh)
		if err != nil {
			return err
		}
		reduced, err := reduce(src)
		if err != nil {
			return fmt.Errorf("%s: %w", refresh, err)
		}
		if err := writeIfChanged(modelPath, reduced); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	m, err := loadModel(data)
	if err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	g, err := newGenerator(m)
	if err != nil {
		return err
	}
	for name, src := range map[string][]byte{
		"zz_shapes.go":   g.shapesFile(),
		"zz_validate.go": g.validateFile(),
	} {
		out, err := format.Source(src)
		if err != nil {
			return fmt.Errorf("%s: gofmt: %w", name, err)
		}
		if err := writeIfChanged(filepath.Join(dir, name), out); err != nil {
			return err
		}
	}
	return nil
}

func findDir() string {
	for _, d := range []string{".", filepath.Join("internal", "api", "kmsapi")} {
		if _, err := os.Stat(filepath.Join(d, modelFile)); err == nil {
			return d
		}
	}
	return "."
}

// writeIfChanged leaves the file (and its mtime) alone when the content is
// already right, so that regenerating is a no-op.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
