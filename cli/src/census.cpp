// `wellposed census` (issue 24): see census.hpp and docs/cli.md.
//
// Guarantees (the results file is this command's own output):
//  * a record is appended only after analyze() returned (a decided verdict
//    passed the checker in analyze()'s gate), as one write(2) of one line;
//    fsync(2) every batch (kSyncEvery records, kSyncSeconds, the end);
//  * restarted with the same arguments, recorded orbits are skipped; a
//    partial or unparsable LAST line (a kill during the write) is cut away
//    and its orbit decided again; any other bad line, or a header that does
//    not match the arguments, is bad input (exit 2): nothing is overwritten;
//  * under mpirun -np K (built with MPI), rank 0 hands out chunks of orbits
//    on request (hard orbits take seconds, easy ones microseconds, so static
//    shards would idle), ranks 1..K-1 decide and each appends to OUT.rankN;
//    `census merge OUT` writes the one sorted file (temporary sibling, then
//    rename), reading OUT.rank* and OUT without changing them;
//  * with the exact route on, the work runs in two phases: every pending orbit
//    first goes through the detectors alone (milliseconds; decided ones are
//    recorded), and only the rest through the whole pipeline with its budget.
//    A run stopped at any point has then recorded every orbit the detectors
//    decide before it spent the budget on hard ones. A phase-one record is the
//    record the whole pipeline writes for that orbit: analyze() runs the same
//    detectors and reductions before the exact route and stops at the first
//    decision, so the results do not depend on the phases (merged files equal).
#include "census.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "wellposed/decide/census.hpp"

#ifdef WELLPOSED_HAVE_MPI
#include <mpi.h>
#endif

namespace wellposed::cli {

namespace {

using namespace wellposed::census;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t kSyncEvery = 32;
constexpr double kSyncSeconds = 5.0;

std::vector<Dims> shapes_of(const CensusOptions& o) {
  std::vector<Dims> out;
  try {
    for (const auto& s : o.shapes) out.push_back(parse_dims(s));
  } catch (const std::invalid_argument& e) {
    throw InputError(std::string("--shape: ") + e.what());
  }
  if (out.empty()) out = two_factor_shapes(o.max_size);
  return out;
}

DecideOptions decide_options(const CensusOptions& o) {
  DecideOptions d;
  d.budget_seconds = o.budget_seconds;
  d.exact = !o.detectors_only;
  d.timings = o.timings;
  return d;
}

// OUT.rank<digits> files beside OUT.
std::vector<std::string> rank_files(const std::string& out) {
  const auto slash = out.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : out.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? out : out.substr(slash + 1);
  const std::string prefix = base + ".rank";
  std::vector<std::string> files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
          std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
        files.push_back(slash == std::string::npos ? name : dir + name);
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

struct Work {
  std::uint64_t shape = 0;  // index into the shapes
  Orbit orbit;
};

// Every orbit not yet recorded, shape by shape.
std::vector<Work> pending(const std::vector<Dims>& shapes, const std::set<std::string>& done, std::size_t& total,
                          std::ostream& err, bool quiet) {
  std::vector<Work> out;
  total = 0;
  for (std::size_t s = 0; s < shapes.size(); ++s) {
    const auto t0 = clock_type::now();
    const auto orbits = enumerate_orbits(shapes[s]);
    total += orbits.size();
    std::size_t fresh = 0;
    for (const auto& o : orbits)
      if (!done.count(dims_string(shapes[s]) + "|" + form_string(o.code, shapes[s]))) {
        out.push_back({s, o});
        ++fresh;
      }
    if (!quiet)
      err << "census: shape " << dims_string(shapes[s]) << ": " << orbits.size() << " orbits, " << fresh
          << " to decide (enumerated in " << std::fixed << std::setprecision(1)
          << std::chrono::duration<double>(clock_type::now() - t0).count() << " s)\n";
  }
  return out;
}

// Appends decisions, with the fsync batching.
struct Recorder {
  ResultsWriter writer;
  std::size_t since_sync = 0, decided = 0, unknown = 0;
  clock_type::time_point last_sync = clock_type::now();
  void record(const nlohmann::json& r) {
    writer.append(r);
    ++decided;
    if (r.at("verdict") == "unknown") ++unknown;
    if (++since_sync >= kSyncEvery || std::chrono::duration<double>(clock_type::now() - last_sync).count() > kSyncSeconds)
      sync();
  }
  void sync() {
    writer.sync();
    since_sync = 0;
    last_sync = clock_type::now();
  }
};

void progress(std::ostream& err, std::size_t done, std::size_t todo, std::size_t unknown, clock_type::time_point t0) {
  err << "census: " << done << "/" << todo << " decided this run, " << unknown << " unknown, " << std::fixed
      << std::setprecision(0) << std::chrono::duration<double>(clock_type::now() - t0).count() << " s\n";
}

// Phase one of an exact census: the orbit's record if the detectors and
// reductions alone decide it (the record the whole pipeline would write, see
// the top), nothing otherwise.
std::optional<nlohmann::json> detectors_first(const Work& w, const std::vector<Dims>& shapes, const DecideOptions& dopt) {
  DecideOptions fast = dopt;
  fast.exact = false;
  auto r = decide_orbit(w.orbit, shapes[w.shape], fast);
  if (r.at("verdict") == "unknown") return std::nullopt;
  return r;
}

int run_single(const CensusOptions& o, std::ostream& out, std::ostream& err) {
  const auto shapes = shapes_of(o);
  const auto dopt = decide_options(o);
  Recorder rec;
  const ResultsContent prior = rec.writer.open(o.output, make_header(shapes, dopt), o.retry_unknown);
  if (prior.truncated && !o.quiet) err << "census: " << o.output << ": cut away a partial last line; its orbit is decided again\n";
  std::size_t total = 0;
  const auto work = pending(shapes, recorded_keys(prior.records, o.retry_unknown), total, err, o.quiet);
  const std::size_t todo = o.limit ? std::min<std::size_t>(work.size(), o.limit) : work.size();
  const auto t0 = clock_type::now();
  auto last = t0;
  auto tick = [&] {
    if (!o.quiet && std::chrono::duration<double>(clock_type::now() - last).count() > 30) {
      progress(err, rec.decided, todo, rec.unknown, t0);
      last = clock_type::now();
    }
  };
  std::vector<std::size_t> hard;  // phase two: what the detectors left open
  for (std::size_t i = 0; i < todo; ++i) {
    if (!dopt.exact) {
      rec.record(decide_orbit(work[i].orbit, shapes[work[i].shape], dopt));
    } else if (auto r = detectors_first(work[i], shapes, dopt)) {
      rec.record(*r);
    } else {
      hard.push_back(i);
    }
    tick();
  }
  if (!hard.empty() && !o.quiet) {
    rec.sync();
    err << "census: detectors decided " << rec.decided << " of " << todo << "; " << hard.size()
        << " orbits go to the exact route\n";
  }
  for (const std::size_t i : hard) {
    rec.record(decide_orbit(work[i].orbit, shapes[work[i].shape], dopt));
    tick();
  }
  rec.sync();
  rec.writer.close();
  out << "census: " << total << " orbits; " << prior.records.size() << " recorded before, " << rec.decided
      << " decided now (" << rec.unknown << " unknown), " << (work.size() - todo) << " left; results in " << o.output
      << "\n";
  return 0;
}

#ifdef WELLPOSED_HAVE_MPI
constexpr int kTagRequest = 1, kTagWork = 2;
// First word of a work message: which phase (see the top of this file).
constexpr std::uint64_t kPhaseDetectors = 1, kPhaseWhole = 2;

// Rank 0: prepares every rank's file (header checked, partial last line cut
// away), collects what all OUT.rank* files already record, then answers work
// requests with a phase word and chunks of (shape, code, size) triples; an
// empty message means stop.
int mpi_coordinator(const CensusOptions& o, int size, std::ostream& out, std::ostream& err) {
  const auto shapes = shapes_of(o);
  const auto header = make_header(shapes, decide_options(o));
  std::set<std::string> done;
  std::size_t before = 0;
  for (int r = 1; r < size; ++r) {
    ResultsWriter w;
    const auto c = w.open(o.output + ".rank" + std::to_string(r), header, o.retry_unknown);
    if (c.truncated && !o.quiet) err << "census: " << o.output << ".rank" << r << ": cut away a partial last line\n";
  }
  for (const auto& f : rank_files(o.output)) {
    const auto c = read_results(f);  // files of ranks beyond this run's: read, never changed
    auto a = c.header, b = header;
    if (o.retry_unknown) a.erase("budget_seconds"), b.erase("budget_seconds");
    if (a != b) throw ResultsFileError(f + " line 1: header differs from this command's arguments");
    for (const auto& k : recorded_keys(c.records, o.retry_unknown)) done.insert(k);
    before += c.records.size();
  }
  int ok = 1;
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::size_t total = 0;
  const auto work = pending(shapes, done, total, err, o.quiet);
  const std::size_t todo = o.limit ? std::min<std::size_t>(work.size(), o.limit) : work.size();
  // Phase one (exact census only): chunks of `work` that the workers run
  // through the detectors alone, sending back what stays open; phase two:
  // those orbits (or, without the exact route, `work` itself) through the
  // whole pipeline. A worker asking while phase-one chunks are still out at
  // other workers, with no phase-two work yet, waits for them.
  const bool two_phases = decide_options(o).exact;
  std::vector<std::uint64_t> hard;  // (shape, code, size) triples for phase two
  if (!two_phases)
    for (std::size_t i = 0; i < todo; ++i) hard.insert(hard.end(), {work[i].shape, work[i].orbit.code, work[i].orbit.size});
  std::size_t next = two_phases ? 0 : todo, next_hard = 0, finished = 0, unknown = 0, out_phase_one = 0;
  std::vector<char> has_phase_one(static_cast<std::size_t>(size), 0);
  std::vector<int> waiting;
  int active = size - 1;
  const auto t0 = clock_type::now();
  auto last = t0;
  // Sends `rank` its next chunk; false (and nothing sent) when it must wait.
  auto serve = [&](int rank) {
    std::vector<std::uint64_t> chunk;
    if (next < todo) {
      chunk.push_back(kPhaseDetectors);
      for (std::size_t k = 0; k < o.chunk && next < todo; ++k, ++next)
        chunk.insert(chunk.end(), {work[next].shape, work[next].orbit.code, work[next].orbit.size});
      has_phase_one[static_cast<std::size_t>(rank)] = 1;
      ++out_phase_one;
    } else if (next_hard < hard.size()) {
      chunk.push_back(kPhaseWhole);
      for (std::size_t k = 0; k < o.chunk && next_hard < hard.size(); ++k, next_hard += 3)
        chunk.insert(chunk.end(), hard.begin() + static_cast<std::ptrdiff_t>(next_hard),
                     hard.begin() + static_cast<std::ptrdiff_t>(next_hard + 3));
    } else if (out_phase_one > 0) {
      return false;
    }
    MPI_Send(chunk.data(), static_cast<int>(chunk.size()), MPI_UINT64_T, rank, kTagWork, MPI_COMM_WORLD);
    if (chunk.empty()) --active;  // the empty chunk means stop
    return true;
  };
  while (active > 0) {
    // Report: orbits recorded, of which unknown, since the last request; then
    // the (shape, code, size) triples of a phase-one chunk the detectors left open.
    MPI_Status st;
    MPI_Probe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_UINT64_T, &n);
    std::vector<std::uint64_t> report(static_cast<std::size_t>(n));
    MPI_Recv(report.data(), n, MPI_UINT64_T, st.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (report.size() < 2 || (report.size() - 2) % 3 != 0) throw std::runtime_error("census: bad report message");
    finished += report[0];
    unknown += report[1];
    hard.insert(hard.end(), report.begin() + 2, report.end());
    if (has_phase_one[static_cast<std::size_t>(st.MPI_SOURCE)]) {
      has_phase_one[static_cast<std::size_t>(st.MPI_SOURCE)] = 0;
      --out_phase_one;
    }
    if (!serve(st.MPI_SOURCE)) waiting.push_back(st.MPI_SOURCE);
    while (!waiting.empty() && serve(waiting.back())) waiting.pop_back();
    if (!o.quiet && std::chrono::duration<double>(clock_type::now() - last).count() > 30) {
      progress(err, finished, todo, unknown, t0);
      last = clock_type::now();
    }
  }
  out << "census: " << total << " orbits over " << size - 1 << " worker rank(s); " << before << " recorded before, "
      << finished << " decided now (" << unknown << " unknown), " << (work.size() - todo) << " left; results in "
      << o.output << ".rank*; run `wellposed census merge " << o.output << "`\n";
  return 0;
}

int mpi_worker(const CensusOptions& o, int rank) {
  const auto shapes = shapes_of(o);
  const auto dopt = decide_options(o);
  int ok = 0;
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  Recorder rec;
  rec.writer.open(o.output + ".rank" + std::to_string(rank), make_header(shapes, dopt), o.retry_unknown);  // prepared by rank 0
  std::vector<std::uint64_t> report = {0, 0};
  for (;;) {
    MPI_Send(report.data(), static_cast<int>(report.size()), MPI_UINT64_T, 0, kTagRequest, MPI_COMM_WORLD);
    MPI_Status st;
    MPI_Probe(0, kTagWork, MPI_COMM_WORLD, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_UINT64_T, &n);
    std::vector<std::uint64_t> chunk(static_cast<std::size_t>(n));
    MPI_Recv(chunk.data(), n, MPI_UINT64_T, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (chunk.empty()) break;
    if ((chunk.size() - 1) % 3 != 0 || (chunk[0] != kPhaseDetectors && chunk[0] != kPhaseWhole))
      throw std::runtime_error("census: bad work message");
    report.assign({0, 0});
    for (std::size_t k = 1; k + 2 < chunk.size(); k += 3) {
      if (chunk[k] >= shapes.size()) throw std::runtime_error("census: bad work message");
      const Work w{chunk[k], {chunk[k + 1], chunk[k + 2]}};
      std::optional<nlohmann::json> r;
      if (chunk[0] == kPhaseWhole)
        r = decide_orbit(w.orbit, shapes[w.shape], dopt);
      else if (!(r = detectors_first(w, shapes, dopt))) {
        report.insert(report.end(), {chunk[k], chunk[k + 1], chunk[k + 2]});  // back to rank 0 for phase two
        continue;
      }
      rec.record(*r);
      ++report[0];
      if (r->at("verdict") == "unknown") ++report[1];
    }
    rec.sync();  // the chunk is on disk before more work is asked for
  }
  rec.writer.close();
  return 0;
}

bool under_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

int run_mpi(const CensusOptions& o, std::ostream& out, std::ostream& err) {
  MPI_Init(nullptr, nullptr);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rc = 0;
  try {
    if (size == 1)
      rc = run_single(o, out, err);
    else
      rc = rank == 0 ? mpi_coordinator(o, size, out, err) : mpi_worker(o, rank);
  } catch (const std::exception& e) {
    err << "wellposed: error: " << e.what() << "\n";
    err.flush();
    MPI_Abort(MPI_COMM_WORLD, kExitBadInput);  // the other ranks wait on messages that never come
  }
  MPI_Finalize();
  return rc;
}
#endif

int run_merge(const std::string& target, std::ostream& out, std::ostream& err) {
  std::vector<std::string> inputs = rank_files(target);
  if (exists(target)) inputs.insert(inputs.begin(), target);
  if (inputs.empty()) throw InputError(target + ": no results file and no " + target + ".rank* files to merge");
  nlohmann::json header;
  std::vector<nlohmann::json> records;
  std::size_t partial = 0;
  for (const auto& f : inputs) {
    std::size_t bad = std::string::npos;
    auto c = read_results(f, &bad);  // read only: a partial last line is left where it is, and not merged
    if (c.truncated) ++partial;
    if (header.is_null()) header = c.header;
    if (c.header != header) throw ResultsFileError(f + " line 1: header differs from " + inputs.front() + "'s");
    for (auto& r : c.records) records.push_back(std::move(r));
  }
  const auto merged = merge_records(header_shapes(header), records);
  std::string text = header.dump() + "\n";
  std::size_t unknown = 0;
  for (const auto& r : merged) {
    text += r.dump() + "\n";
    unknown += r.at("verdict") == "unknown";
  }
  write_file_atomically(target, text);
  out << "census merge: " << merged.size() << " orbits (" << unknown << " unknown) from " << inputs.size()
      << " file(s) into " << target << "\n";
  if (partial) err << "census merge: " << partial << " file(s) end in a partial line (not merged; a restart redoes it)\n";
  return 0;
}

// ---- summary (docs/census.md) -------------------------------------------------

struct Tally {
  std::size_t orbits = 0;
  std::uint64_t pairs = 0;
  void add(const nlohmann::json& r) {
    ++orbits;
    pairs += r.value("orbit_size", std::uint64_t{0});
  }
};

std::size_t ones(const std::string& form) { return static_cast<std::size_t>(std::count(form.begin(), form.end(), '1')); }

int run_summary(const CensusOptions& o, std::ostream& out) {
  const auto c = read_results(o.summary_input);
  const auto shapes = header_shapes(c.header);
  const auto recs = merge_records(shapes, c.records);
  std::map<std::string, std::size_t> enumerated;
  for (const auto& d : shapes) enumerated[dims_string(d)] = enumerate_orbits(d).size();
  std::map<std::string, Tally> by_verdict;
  std::map<std::pair<std::string, std::string>, Tally> by_method;
  std::map<std::string, std::map<std::string, std::size_t>> per_shape;
  std::map<std::string, double> max_secs, sum_secs;
  std::vector<const nlohmann::json*> unknowns, new_obstructions;
  Tally total;
  for (const auto& r : recs) {
    const std::string v = r.at("verdict"), ds = r.at("dims");
    by_verdict[v].add(r);
    const std::string stage = r.value("stage", std::string("-"));
    by_method[{v, v == "unknown" ? "-" : (stage == "detectors" ? "" : "[exact] ") + r.at("method").get<std::string>()}].add(r);
    total.add(r);
    ++per_shape[ds][v];
    const double s = r.value("seconds", 0.0);
    max_secs[ds] = std::max(max_secs[ds], s);
    sum_secs[ds] += s;
    if (v == "unknown") unknowns.push_back(&r);
    if (v == "not_closed" && r.at("method").get<std::string>().rfind("lu-pattern", 0) != 0) new_obstructions.push_back(&r);
  }
  auto smaller = [](const nlohmann::json* a, const nlohmann::json* b) {
    const Dims da = parse_dims(a->at("dims")), db = parse_dims(b->at("dims"));
    const auto ka = std::make_tuple(mask_bits(da), ones(a->at("form")), a->at("dims").get<std::string>(), a->at("form").get<std::string>());
    const auto kb = std::make_tuple(mask_bits(db), ones(b->at("form")), b->at("dims").get<std::string>(), b->at("form").get<std::string>());
    return ka < kb;
  };
  std::sort(new_obstructions.begin(), new_obstructions.end(), smaller);
  std::sort(unknowns.begin(), unknowns.end(), smaller);

  std::ostringstream md;
  md << std::fixed;
  md << "### Verdicts\n\n| verdict | orbits | labelled chains |\n|---|---:|---:|\n";
  for (const char* v : {"closed", "not_closed", "unknown"}) {
    const Tally t = by_verdict.count(v) ? by_verdict.at(v) : Tally{};
    md << "| " << v << " | " << t.orbits << " | " << t.pairs << " |\n";
  }
  md << "| **total recorded** | " << total.orbits << " | " << total.pairs << " |\n\n";
  md << "| verdict | method ([exact] = exact route; otherwise a detector) | orbits | labelled chains |\n|---|---|---:|---:|\n";
  for (const auto& [k, t] : by_method) md << "| " << k.first << " | " << k.second << " | " << t.orbits << " | " << t.pairs << " |\n";
  md << "\n### Per shape (orbits)\n\n| shape | orbits | recorded | closed | not closed | unknown | total s | max s |\n"
     << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& d : shapes) {
    const std::string ds = dims_string(d);
    auto& p = per_shape[ds];
    md << "| " << ds << " | " << enumerated[ds] << " | " << p["closed"] + p["not_closed"] + p["unknown"] << " | "
       << p["closed"] << " | " << p["not_closed"] << " | " << p["unknown"] << " | " << std::setprecision(1)
       << sum_secs[ds] << " | " << max_secs[ds] << " |\n";
  }
  md << "\n### Not closed, and not by the LU pattern (Thm 4.3.1), smallest first\n\n";
  if (new_obstructions.empty()) md << "None: every not-closed orbit recorded is decided by the LU-pattern detector.\n";
  else {
    md << new_obstructions.size() << " orbit(s); the first 40 by (mask bits, entries):\n\n| shape | form (rows; rows) | entries | method |\n|---|---|---:|---|\n";
    for (std::size_t i = 0; i < new_obstructions.size() && i < 40; ++i) {
      const auto& r = *new_obstructions[i];
      md << "| " << r.at("dims").get<std::string>() << " | `" << r.at("form").get<std::string>() << "` | "
         << ones(r.at("form")) << " | " << r.at("method").get<std::string>() << " |\n";
    }
  }
  md << "\n### Unknown orbits\n\n";
  if (unknowns.empty()) md << "None.\n";
  else {
    md << unknowns.size() << " orbit(s); the first 40:\n\n| shape | form | reason |\n|---|---|---|\n";
    for (std::size_t i = 0; i < unknowns.size() && i < 40; ++i) {
      std::string why = unknowns[i]->value("reason", std::string());
      if (why.size() > 200) why = "..." + why.substr(why.size() - 200);  // the exact route's part is last
      std::replace(why.begin(), why.end(), '|', '/');
      md << "| " << unknowns[i]->at("dims").get<std::string>() << " | `" << unknowns[i]->at("form").get<std::string>()
         << "` | " << why << " |\n";
    }
  }
  if (o.summary_output.empty()) out << md.str();
  else write_file_atomically(o.summary_output, md.str());
  return 0;
}

}  // namespace

bool census_has_mpi() {
#ifdef WELLPOSED_HAVE_MPI
  return true;
#else
  return false;
#endif
}

CensusCommand add_census_command(CLI::App& app, CensusOptions& o) {
  CensusCommand c;
  c.census = app.add_subcommand(
      "census", "decide every orbit of small support pairs (or chains) and record one JSON line each (resumable; "
                "under mpirun -np K shared over ranks when built with MPI)");
  c.census->require_subcommand(0, 1);
  c.census->add_option("-o,--output", o.output, "results file (JSON lines); under mpirun: OUT.rank1 ... OUT.rank<K-1>");
  c.census->add_option("--max", o.max_size, "two-factor shapes m x r x n with m <= n and m, n, r <= MAX (default 3)")
      ->check(CLI::Range(1, 4));
  c.census->add_option("--shape", o.shapes, "explicit shapes d0xd1x...xdL instead of --max (e.g. 4x3x4, 3x3x3x3)");
  c.census->add_option("--budget", o.budget_seconds,
                       "seconds PER ORBIT for its whole decision, check included (default 60): a per-item budget of a "
                       "resumable enumeration, not a bound on the run (use --limit, or stop and resume)")
      ->check(CLI::Range(0.001, 1e6));
  c.census->add_flag("--detectors-only", o.detectors_only, "no exact route (unknown means: no detector applies)");
  c.census->add_flag("--retry-unknown", o.retry_unknown,
                     "decide again the orbits recorded only as unknown, e.g. with a larger --budget (the file's header "
                     "may name another budget; each record carries its own)");
  c.census->add_flag("!--no-timings", o.timings, "leave \"seconds\" out of the records (byte-stable files)");
  c.census->add_option("--limit", o.limit, "stop after deciding this many orbits (0: all)");
  c.census->add_option("--chunk", o.chunk, "orbits per work message under MPI (default 4)")->check(CLI::Range(1, 100000));
  c.census->add_flag("--quiet", o.quiet, "no progress lines");
  c.merge = c.census->add_subcommand("merge", "one results file OUT, sorted by shape and canonical form, from OUT and OUT.rank*");
  c.merge->add_option("out", o.merge_target, "the census's --output")->required();
  c.summary = c.census->add_subcommand("summary", "Markdown tables of a (merged) results file");
  c.summary->add_option("results", o.summary_input, "results file")->required();
  c.summary->add_option("-o,--output", o.summary_output, "write the Markdown here (default stdout)");
  return c;
}

int run_census(const CensusCommand& cmd, const CensusOptions& o, std::ostream& out, std::ostream& err) {
  try {
    if (*cmd.merge) return run_merge(o.merge_target, out, err);
    if (*cmd.summary) return run_summary(o, out);
    if (o.output.empty()) throw InputError("census: --output is required");
#ifdef WELLPOSED_HAVE_MPI
    if (under_mpirun()) return run_mpi(o, out, err);
#endif
    return run_single(o, out, err);
  } catch (const ResultsFileError& e) {
    err << "wellposed: error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

}  // namespace wellposed::cli
