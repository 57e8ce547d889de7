enum ShippedSelectorData {
    static let base64 = ""
}
