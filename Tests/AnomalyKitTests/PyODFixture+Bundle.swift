import Foundation
import TestSupport

extension PyODFixture {
    /// The fixture `name` of this target's `Fixtures` resource folder.
    init(_ name: String) throws { try self.init(name, in: .module) }
}
