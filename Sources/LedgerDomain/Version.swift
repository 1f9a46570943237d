/// The product's version, shown by `--version` and written into audit bundles' manifests.
public enum PolicyLedger {
    public static let version = "0.5.0"
}
