namespace V2V.Core.Pipeline;

/// <summary>How far a run has got: bytes of data read so far out of those planned (when known).</summary>
public readonly record struct PipelineProgress(long DataBytesDone, long? DataBytesTotal, long DiskBytesCovered, long DiskLength);
