namespace V2V.DiskFormats.Vmdk;

/// <summary>Access mode of a descriptor extent line.</summary>
public enum VmdkAccess
{
    ReadWrite,
    ReadOnly,
    NoAccess,
}

/// <summary>Extent kinds a descriptor can name (MS word for "VMFS" et al. as VMware spells them).</summary>
public enum VmdkExtentType
{
    Flat,
    Sparse,
    Zero,
    Vmfs,
    VmfsSparse,
    VmfsRdm,
    VmfsRaw,
    SeSparse,
}

/// <summary>One extent line: <c>RW 4192256 SPARSE "disk-s001.vmdk"</c> or <c>RW 8388608 FLAT "disk-flat.vmdk" 0</c>.</summary>
public sealed record VmdkExtentLine(VmdkAccess Access, long Sectors, VmdkExtentType Type, string? FileName, long StartSector);
