namespace V2V.Guest.Ntfs;

/// <summary>NTFS attribute type codes (WINDOWS.md §8, [NTFS3G-LAYOUT] ATTR_TYPES).</summary>
public enum AttributeType : uint
{
    StandardInformation = 0x10,
    AttributeList = 0x20,
    FileName = 0x30,
    ObjectId = 0x40,
    SecurityDescriptor = 0x50,
    VolumeName = 0x60,
    VolumeInformation = 0x70,
    Data = 0x80,
    IndexRoot = 0x90,
    IndexAllocation = 0xA0,
    Bitmap = 0xB0,
    ReparsePoint = 0xC0,
    End = 0xFFFFFFFF,
}
