#if canImport(Glibc)
import Glibc
#endif
import LedgerDomain

/// What a peer may do: its role and, for a limited recorder, the sources it may append for.
public struct Grant: Sendable, Equatable {
    public var role: ServerConfiguration.Role?
    /// nil: any source.
    public var sources: Set<String>?

    public func allowsReading() -> Bool { role != nil }
    public func allowsAppending() -> Bool { role == .recorder || role == .admin }
}

/// Maps Unix users and groups to roles (contract section 7): root and the daemon's own user
/// are admins; otherwise the highest role granted to the user or one of its groups.
public struct Authorizer: Sendable {
    let configuration: ServerConfiguration
    let daemonUID: UInt32

    public init(configuration: ServerConfiguration, daemonUID: UInt32 = getuid()) {
        self.configuration = configuration
        self.daemonUID = daemonUID
    }

    public func grant(for peer: Peer) -> Grant {
        if peer.uid == 0 || peer.uid == daemonUID { return Grant(role: .admin, sources: nil) }
        var best: ServerConfiguration.Role?
        var limits: Set<String>?
        var unlimitedRecorder = false
        func consider(_ name: String, _ role: ServerConfiguration.Role?) {
            guard let role else { return }
            if best == nil || role > best! { best = role }
            if role == .recorder {
                if let sources = configuration.recorderSources[name] {
                    limits = (limits ?? []).union(sources)
                } else {
                    unlimitedRecorder = true
                }
            }
        }
        consider(peer.userName, configuration.userRoles[peer.userName])
        if !configuration.groupRoles.isEmpty {
            for group in UnixAccounts.groupNames(uid: peer.uid, gid: peer.gid) {
                consider(group, configuration.groupRoles[group])
            }
        }
        if best == .recorder && !unlimitedRecorder { return Grant(role: .recorder, sources: limits) }
        return Grant(role: best, sources: nil)
    }
}
