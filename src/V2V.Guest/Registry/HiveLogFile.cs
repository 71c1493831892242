namespace V2V.Guest.Registry;

/// <summary>A transaction log beside a hive (<c>.LOG</c>, <c>.LOG1</c>, <c>.LOG2</c>), named for messages; its format is told by content.</summary>
public sealed record HiveLogFile(string Name, ReadOnlyMemory<byte> Bytes);
