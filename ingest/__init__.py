"""The RTMP edge: nginx-rtmp, its publish hooks, and the segment uploader."""
