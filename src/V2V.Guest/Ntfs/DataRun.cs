namespace V2V.Guest.Ntfs;

/// <summary>A run of clusters: VCNs [Vcn, Vcn + Length) at LCN Lcn, or a sparse run (Lcn = -1, reads as zeros).</summary>
public readonly record struct DataRun(long Vcn, long Lcn, long Length)
{
    public bool IsSparse => Lcn < 0;
}
