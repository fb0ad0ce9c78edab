/// Where long reads say how far they are: a phase name and objects done (of a total, when known).
/// The reader calls it every so many objects; the CLI decides whether and how to show it.
public typealias ProgressHandler = (_ phase: String, _ done: Int, _ total: Int?) -> Void
