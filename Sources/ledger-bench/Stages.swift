import Foundation
import LedgerDomain
import LedgerEngine

/// `--stages`: what each stage of ingest costs an event, in process, for profiling the import.
///
/// - parse: one NDJSON line into a `JSONValue` (CPU time of one thread);
/// - prepare: the checks that need no head state and the rendering (`Validator.prepare`, CPU
///   time of one thread);
/// - append: whole 10,000-event batches through the ledger, from the lines' bytes to the synced
///   commit, on a fresh store: the process's CPU time (workers and writer), the writer thread's
///   alone (the serial part), and the wall time.
///
/// CPU time shifts less than wall time on a shared machine; each figure is the lowest of the
/// rounds, next to the highest, so a change can be judged against the spread.
enum Stages {
    static func measure(directory: String, events: Int = 100_000, rounds: Int = 5) async throws {
        let lines = (0..<events).map { Load.event($0, prefix: "s") }
        var figures: [String: [Double]] = [:]
        for round in 0..<rounds {
            var values: [JSONValue] = []
            values.reserveCapacity(events)
            figures["parse", default: []].append(
                threadCPU { for line in lines { values.append(try! JSONParser.parse(line)) } } / Double(events))
            let validator = Validator()
            var refused = 0
            figures["prepare", default: []].append(
                threadCPU { for value in values where validator.prepare(value).failure != nil { refused += 1 } }
                    / Double(events))
            precondition(refused == 0, "\(refused) generated events were refused")
            values = []

            let dir = directory + "/stages-\(round)"
            try? FileManager.default.removeItem(atPath: dir)
            let ledger = try Ledger(options: LedgerOptions(directory: dir, initialMapSize: 1 << 30))
            let cpu = processCPU()
            let start = ContinuousClock.now
            for first in stride(from: 0, to: events, by: 10_000) {
                let count = min(10_000, events - first)
                _ = try await ledger.append(count: count, batch: true, recordedBy: "bench") { index in
                    .success(try! JSONParser.parse(lines[first + index]))
                }
            }
            let wall = ContinuousClock.now - start
            figures["append CPU", default: []].append((processCPU() - cpu) / Double(events))
            figures["append writer CPU", default: []].append(threadCPU(named: "ledger-writer") / Double(events))
            figures["append wall", default: []].append(wall.seconds / Double(events))
            ledger.close()
            try? FileManager.default.removeItem(atPath: dir)
        }
        for name in ["parse", "prepare", "append CPU", "append writer CPU", "append wall"] {
            let values = figures[name]!.sorted()
            print(
                "\(name): \(String(format: "%.2f", values.first! * 1e6)) µs/event (highest round \(String(format: "%.2f", values.last! * 1e6)))"
            )
        }
    }

    /// CPU seconds the calling thread spends in `body`.
    private static func threadCPU(_ body: () -> Void) -> Double {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
        let start = now()
        body()
        return now() - start
    }

    /// CPU seconds used so far by the thread of this process named `name` (the ledger's writer,
    /// which lives as long as its ledger: there is one at a time here).
    private static func threadCPU(named name: String) -> Double {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == name,
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
        return .nan
    }

    /// CPU seconds the process has used, user and system.
    private static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
