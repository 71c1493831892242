namespace V2V.Guest.Registry;

/// <summary>Value data types ("Data types" in the regf specification). Other numbers occur in real hives and are kept as they are.</summary>
#pragma warning disable CA1028, CA1720, CA1008 // the on-disk numbering, names as Windows spells them (REG_NONE = 0)
public enum RegistryValueType : uint
{
    None = 0,
    String = 1,
    ExpandString = 2,
    Binary = 3,
    Dword = 4,
    DwordBigEndian = 5,
    Link = 6,
    MultiString = 7,
    ResourceList = 8,
    FullResourceDescriptor = 9,
    ResourceRequirementsList = 10,
    Qword = 11,
}
#pragma warning restore CA1028, CA1720, CA1008
