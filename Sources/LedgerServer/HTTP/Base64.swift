import Foundation

/// Standard base64 (padded), as every hash in the API is written.
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}
