from engine import status as st


def test_every_status_maps_to_a_portal_code():
    codes = {s: st.portal_code(s, received=True) for s in st.STATUS_NAMES}
    assert codes == {"submitted": 1, "received": 2, "in_progress": 4, "supplement_requested": 5,
                     "awaiting_payment": 6, "rejected": 8, "done": 9, "returned": 10, "withdrawn": 7}
    assert st.portal_code(st.REJECTED, received=False) == 3
    assert set(st.PORTAL_STATUS_NAMES) == set(range(1, 11))
    assert st.PORTAL_STATUS_NAMES[5] == "Yêu cầu bổ sung giấy tờ"
