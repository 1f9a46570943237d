/// A Prometheus-style cumulative histogram.
public struct Histogram: Sendable {
    public let bounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        for (i, bound) in bounds.enumerated() where value <= bound { counts[i] += 1 }
        sum += value
        count += 1
    }

    /// The text exposition lines of the histogram `name` with optional labels.
    public func render(_ name: String, labels: String = "") -> [String] {
        let sep = labels.isEmpty ? "" : labels + ","
        var lines = zip(bounds, counts).map { "\(name)_bucket{\(sep)le=\"\($0)\"} \($1)" }
        lines.append("\(name)_bucket{\(sep)le=\"+Inf\"} \(count)")
        let braces = labels.isEmpty ? "" : "{\(labels)}"
        lines.append("\(name)_sum\(braces) \(sum)")
        lines.append("\(name)_count\(braces) \(count)")
        return lines
    }

    public static let latency = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    public static let sizes = [1.0, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000]
}
