package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File names WriteAll writes (docs/results-json.md).
const (
	JSONFile  = "results.json"
	JUnitFile = "junit.xml"
	HTMLFile  = "index.html"
)

// WriteJSON writes res as indented JSON (results.json). Maps are written with sorted keys and
// every list is sorted, so the same results always give the same bytes.
func WriteJSON(w io.Writer, res *Results) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // evidence is full of <, > and &; keep it readable
	return enc.Encode(res)
}

// ReadJSON reads a results.json. Derived fields (counts, summary) are recomputed, so a file
// edited by hand or written by an older pushspec still reads consistently.
func ReadJSON(r io.Reader) (*Results, error) {
	var res Results
	dec := json.NewDecoder(r)
	if err := dec.Decode(&res); err != nil {
		return nil, fmt.Errorf("reports: reading results.json: %w", err)
	}
	res.finish()
	return &res, nil
}

// ReadJSONFile reads the results.json at path; when the file does not name its run, the run is
// named after the path, so that Merge can say which file a finding came from.
func ReadJSONFile(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if res.Run == "" {
		res.Run = path
	}
	return res, nil
}

// WriteAll writes results.json, junit.xml and index.html into dir (created if missing) and
// returns the path of index.html. Each file is written to a temporary name first and renamed,
// so a reader never sees half a report.
func WriteAll(dir string, res *Results) (indexPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	writers := []struct {
		name  string
		write func(io.Writer, *Results) error
	}{
		{JSONFile, WriteJSON},
		{JUnitFile, WriteJUnit},
		{HTMLFile, WriteHTML},
	}
	for _, w := range writers {
		var buf bytes.Buffer
		if err := w.write(&buf, res); err != nil {
			return "", fmt.Errorf("reports: %s: %w", w.name, err)
		}
		if err := writeFileAtomic(filepath.Join(dir, w.name), buf.Bytes()); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, HTMLFile), nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
