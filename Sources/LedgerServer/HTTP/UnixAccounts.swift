#if canImport(Glibc)
import Glibc
#endif

/// Look-ups in the system's user and group databases.
public enum UnixAccounts {
    /// The passwd name of `uid`.
    public static func userName(uid: UInt32) -> String? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil, let name = pwd.pw_name else {
            return nil
        }
        return String(cString: name)
    }

    /// The uid of the user `name`.
    public static func uid(of name: String) -> UInt32? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &pwd, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return pwd.pw_uid
    }

    /// The names of the groups `uid` belongs to: its primary group and the supplementary ones.
    public static func groupNames(uid: UInt32, gid: UInt32) -> Set<String> {
        var names = Set<String>()
        if let primary = groupName(gid: gid) { names.insert(primary) }
        guard let user = userName(uid: uid) else { return names }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, gid, &groups, &count)
        }
        for g in groups.prefix(Int(max(count, 0))) {
            if let name = groupName(gid: g) { names.insert(name) }
        }
        return names
    }

    /// Whether the group database has a group named `name`.
    public static func groupExists(_ name: String) -> Bool {
        var grp = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        return getgrnam_r(name, &grp, &buffer, buffer.count, &result) == 0 && result != nil
    }

    static func groupName(gid: UInt32) -> String? {
        var grp = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &grp, &buffer, buffer.count, &result) == 0, result != nil, let name = grp.gr_name else {
            return nil
        }
        return String(cString: name)
    }
}
